package io.surrogate.engine.eval;

import java.util.ArrayList;
import java.util.List;

/** The record of an evaluation, for dry-run and tests; the fast path keeps none. */
public final class Trace {
    private final List<TraceEntry> entries = new ArrayList<>();
    private int depth;

    public void add(String statement, TraceEntry.Result result, String detail) {
        entries.add(new TraceEntry(depth, statement, result, detail));
    }

    public void enter() {
        depth++;
    }

    public void leave() {
        depth--;
    }

    public List<TraceEntry> entries() {
        return List.copyOf(entries);
    }

    public String render() {
        StringBuilder out = new StringBuilder();
        for (TraceEntry e : entries) {
            out.append(e.render()).append('\n');
        }
        return out.toString();
    }
}
