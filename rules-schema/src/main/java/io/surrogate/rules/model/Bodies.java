package io.surrogate.rules.model;

import java.util.ArrayList;
import java.util.List;

/** Helpers for statement lists bound with a lax wildcard. */
final class Bodies {
    private Bodies() {}

    static List<StatementElement> statements(List<Object> nodes) {
        if (nodes == null) {
            return List.of();
        }
        List<StatementElement> out = new ArrayList<>(nodes.size());
        for (Object node : nodes) {
            if (node instanceof StatementElement s) {
                out.add(s);
            }
        }
        return List.copyOf(out);
    }
}
