package io.surrogate.engine;

import java.util.Random;

/**
 * Random rule files from a small vocabulary, for property tests: valid often enough to compile,
 * varied enough that the index, the combinators and every match type get exercised. Values
 * come from the same small alphabets as {@link RequestGenerator}, so that rules do match.
 */
final class RuleGenerator {
    static final String[] SEGMENTS = {"mail", "Mail", "subscribe-event", "quotes", "a b", "x", "İ", "i", "ß", "K", "k"};
    static final String[] HOSTS = {"mail.example", "MAIL.example", "quotes.example", "İ.example", "i.example", ""};
    static final String[] METHODS = {"GET", "POST", "OPTIONS", "get"};
    static final String[] NAMES = {"id", "user", "topic", "X-Id", "x-id"};
    static final String[] VALUES = {"1", "2", "B", "b", "a*", "ab", ""};

    private RuleGenerator() {}

    static String document(Random r, int rules) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < rules; i++) {
            rule(r, out, 1);
        }
        return TestRules.rules(out.toString());
    }

    /** A top-level rule: one or two nested matches, then an extract and an action. */
    static void rule(Random r, StringBuilder out, int depth) {
        String indent = "  ".repeat(depth);
        String element = match(r);
        out.append(indent).append('<').append(element).append(">\n");
        if (depth < 3 && r.nextInt(3) == 0) {
            rule(r, out, depth + 1);
        }
        if (element.startsWith("match:uri.path") && element.contains("(?<g>")) {
            out.append(indent).append("  <variable:extract name=\"G\" from=\"regex-capture\" key=\"g\"/>\n");
            out.append(indent).append("  <edgeservices:response.header name=\"X-G\" value=\"$(G)\"/>\n");
        }
        out.append(indent).append("  <variable:extract name=\"V").append(depth).append("\" from=\"query\" key=\"")
                .append(pick(r, NAMES)).append("\"/>\n");
        out.append(indent).append("  ").append(action(r, "V" + depth)).append('\n');
        out.append(indent).append("</").append(element, 0, element.indexOf(' ') < 0 ? element.length() : element.indexOf(' ')).append(">\n");
    }

    static String match(Random r) {
        String negate = r.nextInt(8) == 0 ? " result=\"false\"" : "";
        String icase = r.nextInt(3) == 0 ? " ignore-case=\"true\"" : "";
        return switch (r.nextInt(10)) {
            case 0, 1, 2 -> "match:uri.component value=\"" + pick(r, SEGMENTS) + "\"" + icase + negate
                    + (r.nextInt(4) == 0 ? " index=\"" + (r.nextBoolean() ? 1 : -1) + "\"" : "");
            case 3, 4 -> "match:uri.path value=\"/" + pick(r, SEGMENTS) + "/" + pick(r, SEGMENTS) + "\"" + icase + negate;
            case 5 -> "match:uri.path value=\"/(?&lt;g&gt;[^/]+)/.*\" regex=\"true\"" + negate;
            case 6 -> "match:host value=\"" + pick(r, HOSTS) + "\"" + negate;
            case 7 -> "match:request.method value=\"" + pick(r, METHODS) + "\"" + icase + negate;
            case 8 -> "match:query name=\"" + pick(r, NAMES) + "\" value=\"" + pick(r, VALUES) + "\""
                    + (r.nextBoolean() ? " wildcard=\"true\"" : icase) + negate;
            default -> "match:request.header name=\"" + pick(r, NAMES) + "\"" + negate;
        };
    }

    static String action(Random r, String variable) {
        return switch (r.nextInt(5)) {
            case 0 -> "<edgeservices:respond status=\"200\">r" + r.nextInt(1000) + " $(" + variable + ")</edgeservices:respond>";
            case 1 -> "<edgeservices:deny status=\"403\" reason=\"d" + r.nextInt(1000) + "\"/>";
            case 2 -> "<edgeservices:response.header name=\"X-H" + r.nextInt(5) + "\" value=\"h" + r.nextInt(1000) + "\"/>";
            case 3 -> "<edgeservices:rate-limit key=\"$(" + variable + ")\" limit=\"" + (1 + r.nextInt(100)) + "\" per=\"1m\"/>";
            default -> "<edgeservices:event.handle-subscription><token><key>tokens</key></token>"
                    + "<event-id>e" + r.nextInt(1000) + "-$(" + variable + ")</event-id></edgeservices:event.handle-subscription>";
        };
    }

    static String pick(Random r, String[] from) {
        return from[r.nextInt(from.length)];
    }
}
