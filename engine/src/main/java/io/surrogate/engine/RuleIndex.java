package io.surrogate.engine;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.Statement;
import io.surrogate.engine.match.IndexHint;
import io.surrogate.engine.match.MatchBlock;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Finds the top-level statements that can apply to a request without running them all. A
 * top-level match on a constant path component, path or host is filed under that key; a
 * request looks up its components, path and host, and runs only those rules and the ones that
 * cannot be filed, in document order. Since a filed rule cannot match without its key, the
 * decision is the one a full scan would make (a test checks this on generated requests).
 */
final class RuleIndex {
    private final int size;
    /** Statements that cannot be filed; one bit per top-level statement. */
    private final long[] always;
    private final Map<String, long[]> segments = new HashMap<>();
    private final Map<String, long[]> segmentsIgnoringCase = new HashMap<>();
    private final Map<String, long[]> paths = new HashMap<>();
    private final Map<String, long[]> pathsIgnoringCase = new HashMap<>();
    private final Map<String, long[]> hosts = new HashMap<>();
    private final boolean useful;

    RuleIndex(List<Statement> statements) {
        this.size = statements.size();
        this.always = new long[words(size)];
        int filed = 0;
        for (int i = 0; i < size; i++) {
            IndexHint hint = statements.get(i) instanceof MatchBlock b ? b.indexHint() : null;
            if (hint == null) {
                set(always, i);
                continue;
            }
            filed++;
            Map<String, long[]> map = switch (hint.kind()) {
                case SEGMENT -> hint.ignoreCase() ? segmentsIgnoringCase : segments;
                case PATH -> hint.ignoreCase() ? pathsIgnoringCase : paths;
                case HOST -> hosts;
            };
            String key = hint.ignoreCase() || hint.kind() == IndexHint.Kind.HOST ? foldCase(hint.key()) : hint.key();
            set(map.computeIfAbsent(key, k -> new long[words(size)]), i);
        }
        // With few rules a scan is as fast as the lookups.
        this.useful = filed > 8;
    }

    /**
     * Runs the statements that can apply to this request, in document order, until one halts
     * the evaluation. Without a useful index that is all of them.
     */
    void run(List<Statement> statements, EvaluationContext ctx) {
        if (!useful) {
            scan(statements, ctx);
            return;
        }
        long[] bits = always.clone();
        for (String s : ctx.segments()) {
            or(bits, segments.get(s));
            if (!segmentsIgnoringCase.isEmpty()) {
                or(bits, segmentsIgnoringCase.get(foldCase(s)));
            }
        }
        String path = ctx.request().path();
        or(bits, paths.get(path));
        if (!pathsIgnoringCase.isEmpty()) {
            or(bits, pathsIgnoringCase.get(foldCase(path)));
        }
        // host names never depend on case, and a server may hand the Host header over as sent
        or(bits, hosts.get(foldCase(ctx.request().host())));
        for (int w = 0; w < bits.length; w++) {
            long word = bits[w];
            while (word != 0 && !ctx.decision().halted()) {
                statements.get(w * 64 + Long.numberOfTrailingZeros(word)).run(ctx);
                word &= word - 1;
            }
        }
    }

    /** Runs every statement in document order until one halts the evaluation. */
    static void scan(List<Statement> statements, EvaluationContext ctx) {
        for (int i = 0, n = statements.size(); i < n && !ctx.decision().halted(); i++) {
            statements.get(i).run(ctx);
        }
    }

    /**
     * Case folding that agrees with {@link String#equalsIgnoreCase}, which the matchers use: two
     * strings are equal ignoring case exactly when their folds are equal. {@code toLowerCase}
     * does not agree ('İ' lowers to "i̇" yet equals "i" ignoring case).
     */
    static String foldCase(String s) {
        boolean ascii = true;
        for (int i = 0; i < s.length() && ascii; i++) {
            ascii = s.charAt(i) < 0x80;
        }
        if (ascii) {
            return s.toLowerCase(Locale.ROOT);
        }
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(c -> out.appendCodePoint(Character.toLowerCase(Character.toUpperCase(c))));
        return out.toString();
    }

    private static int words(int n) {
        return Math.max(1, (n + 63) / 64);
    }

    private static void set(long[] bits, int i) {
        bits[i >>> 6] |= 1L << (i & 63);
    }

    private static void or(long[] into, long[] from) {
        if (from != null) {
            for (int i = 0; i < into.length; i++) {
                into[i] |= from[i];
            }
        }
    }
}
