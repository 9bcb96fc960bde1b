package io.surrogate.server.guard;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for something the edge does on its own threads; never for time to pass. */
final class GuardEdgeWait {
    private GuardEdgeWait() {}

    /** True as soon as the condition holds; false if it still does not after {@code limit}. */
    static boolean until(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }
}
