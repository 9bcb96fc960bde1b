package io.surrogate.server.subscribe;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.OriginRequest;
import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.SubscriptionSettings;
import io.surrogate.engine.SubscriptionType;
import io.surrogate.engine.Transport;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.time.ManualClock;
import io.surrogate.server.time.ManualScheduler;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@link LocalRegistry} tells {@link RegistryEvents#eventHeld} when an event key gets its first
 * subscription and {@link RegistryEvents#eventReleased} when it loses its last, once each and in
 * that order for one key, however many threads subscribe and end at once (issue 13: an edge
 * listens to an event's fan-out channel exactly while it holds the event).
 */
class RegistryEventsTest {
    private static final List<String> EVENTS = List.of("a", "b", "c");

    @Test
    void heldAndReleasedAlternatePerEventKeyUnderConcurrentSubscribesAndEnds() throws Exception {
        ManualClock clock = new ManualClock(Instant.now());
        try (ServerMetrics metrics = new ServerMetrics()) {
            LocalRegistry registry = new LocalRegistry(new NoOrigin(), metrics, () -> null, new ManualScheduler(clock), clock,
                    new ReplayBudget(1 << 20), 1 << 16, () -> null);
            ConcurrentHashMap<String, AtomicInteger> listening = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
            AtomicInteger told = new AtomicInteger();
            registry.listen(new RegistryEvents() {
                @Override
                public void eventHeld(String eventKey) {
                    told.incrementAndGet();
                    if (listening.computeIfAbsent(eventKey, k -> new AtomicInteger()).getAndIncrement() != 0) {
                        wrong.add("held twice: " + eventKey);
                    }
                }

                @Override
                public void eventReleased(String eventKey) {
                    told.incrementAndGet();
                    if (listening.get(eventKey).getAndDecrement() != 1) {
                        wrong.add("released while not held: " + eventKey);
                    }
                }
            });
            long expiresAt = clock.millis() / 1000 + 3600;
            ExecutorService threads = Executors.newFixedThreadPool(8);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(threads.submit(() -> {
                    List<Subscription> mine = new ArrayList<>();
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; i < 3000; i++) {
                        String event = EVENTS.get(random.nextInt(EVENTS.size()));
                        String key = SubscriptionRegistry.eventKey("origin", event);
                        mine.add(registry.register("t" + thread + "-" + i, expiresAt, plan(event), "h", key).subscription());
                        while (mine.size() > random.nextInt(3)) {
                            registry.discard(mine.remove(random.nextInt(mine.size())));
                        }
                    }
                    mine.forEach(registry::discard);
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            threads.shutdown();
            assertThat(wrong).isEmpty();
            assertThat(told.get()).as("the keys were held and released many times").isGreaterThan(10);
            for (String event : EVENTS) {
                String key = SubscriptionRegistry.eventKey("origin", event);
                assertThat(registry.byEvent(key)).isEmpty();
                assertThat(listening.get(key).get()).as("released as often as held: " + event).isZero();
            }
        }
    }

    private static SubscriptionPlan plan(String event) {
        SubscriptionSettings settings = new SubscriptionSettings(null, null, Duration.ofHours(1), null, Optional.empty(),
                Duration.ofSeconds(5), SubscriptionType.REPEATABLE, Transport.SSE, Duration.ofSeconds(15), Duration.ofSeconds(3), 16, false,
                0, null, null);
        return new SubscriptionPlan("", event, "default", settings, "test");
    }

    /** The registry does not call the origin here: nothing is unsubscribed (a discarded subscription is not told). */
    private static final class NoOrigin implements OriginCalls {
        @Override
        public Optional<URI> target(OriginRequest request) {
            throw new AssertionError("no origin call expected");
        }

        @Override
        public CompletableFuture<OriginAnswer> send(URI uri, OriginRequest request, Supplier<OriginRequest> resign, Duration timeout) {
            throw new AssertionError("no origin call expected");
        }
    }
}
