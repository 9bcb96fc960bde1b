package io.surrogate.engine.compile;

import java.util.HashMap;
import java.util.Map;

/**
 * Compiler steps by model class: an element finds the step registered for its class or for
 * its nearest superclass (every {@code match:*} element is a {@code MatchElement}).
 */
final class StepTable<S> {
    private final Map<Class<?>, S> steps = new HashMap<>();

    void put(Class<?> type, S step) {
        steps.put(type, step);
    }

    /** The step for an element; a model class without one is a bug in the compiler, not in the rule file. */
    S find(Object element) {
        for (Class<?> c = element.getClass(); c != null; c = c.getSuperclass()) {
            S step = steps.get(c);
            if (step != null) {
                return step;
            }
        }
        throw new IllegalStateException("no compiler step for " + element.getClass().getSimpleName());
    }
}
