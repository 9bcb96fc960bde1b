package io.surrogate.benchmarks;

import java.nio.charset.StandardCharsets;

/**
 * Generates a rule document of {@code n} top-level rules shaped like a multi-tenant edge's:
 * rules filed under a path component (4 in 10), an exact path (3 in 10), a host (2 in 10) or a
 * case-insensitive component (1 in 10), each extracting a user and an event and subscribing;
 * plus one rule in a hundred that the index cannot file (a regex path, a header presence, a
 * wildcard host, a method), so those are run for every request as in real rule sets.
 *
 * <p>Rule {@code i} answers, by kind: {@code /svc-i/events/E}, {@code /api/v2/feeds/i/subscribe?id=E},
 * {@code Host: tenant-i.example.com} with {@code POST /subscribe-event} and {@code id=E}, and
 * {@code /FEED-i/E}.
 */
public final class RuleGenerator {
    /** Token keys the rules name: a few, as a real deployment would have. */
    private static final String[] TOKEN_KEYS = {"tokens-a", "tokens-b", "tokens-c"};

    private RuleGenerator() {}

    /**
     * Writes a generated rule set as files, to time a cold compile with the CLI:
     * {@code java -cp benchmarks/target/benchmarks.jar io.surrogate.benchmarks.RuleGenerator 10000 10 DIR},
     * then {@code time ./surrogate validate DIR}.
     */
    public static void main(String[] args) throws java.io.IOException {
        if (args.length != 3) {
            System.err.println("usage: RuleGenerator RULES FILES DIR");
            System.exit(2);
        }
        int rules = Integer.parseInt(args[0]);
        int files = Integer.parseInt(args[1]);
        java.nio.file.Path dir = java.nio.file.Files.createDirectories(java.nio.file.Path.of(args[2]));
        for (int i = 0; i < files; i++) {
            java.nio.file.Files.write(dir.resolve(String.format("generated-%03d.xml", i)), document(rules / files));
        }
    }

    static byte[] document(int n) {
        return document(n, false);
    }

    /**
     * @param prefixPaths write the path rules with {@code prefix="true"}, which the index cannot
     *     file: 3 rules in 10 then run for every request (a worst case, not the default)
     */
    static byte[] document(int n, boolean prefixPaths) {
        StringBuilder out = new StringBuilder(n * 700);
        out.append("""
                <rules xmlns="urn:surrogate:rules:1"
                       xmlns:match="urn:surrogate:match:1"
                       xmlns:variable="urn:surrogate:variable:1"
                       xmlns:edgeservices="urn:surrogate:edgeservices:1">
                """);
        for (int i = 0; i < n; i++) {
            if (i % 100 == 50) {
                unindexable(out, i);
            } else {
                indexable(out, i, prefixPaths);
            }
        }
        out.append("</rules>\n");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void indexable(StringBuilder out, int i, boolean prefixPaths) {
        String key = TOKEN_KEYS[i % TOKEN_KEYS.length];
        switch (i % 10) {
            case 0, 1, 2, 3 -> {
                out.append("  <match:uri.component value=\"svc-").append(i).append("\">\n");
                out.append("    <variable:extract from=\"path-segment\" key=\"-1\" name=\"EVENT\" required=\"true\"/>\n");
                out.append("    <variable:extract from=\"cookie\" key=\"user\" name=\"USER\" default=\"anonymous\"/>\n");
                subscribe(out, key, "PORT", "svc-" + i, "    ");
                out.append("  </match:uri.component>\n");
            }
            case 4, 5, 6 -> {
                out.append("  <match:uri.path value=\"/api/v2/feeds/").append(i).append("/subscribe\"")
                        .append(prefixPaths ? " prefix=\"true\"" : "").append(">\n");
                out.append("    <variable:extract from=\"query\" key=\"id\" name=\"EVENT\" transform=\"trim clamp:64\"/>\n");
                out.append("    <variable:extract from=\"header\" key=\"X-User\" name=\"USER\" transform=\"lower\"/>\n");
                subscribe(out, key, "CONNECTION", "feeds", "    ");
                out.append("  </match:uri.path>\n");
            }
            case 7, 8 -> {
                out.append("  <match:host value=\"tenant-").append(i).append(".example.com\">\n");
                out.append("    <match:uri.component value=\"subscribe-event\" index=\"1\">\n");
                out.append("      <variable:extract from=\"post\" key=\"id\" name=\"EVENT\"/>\n");
                out.append("      <variable:extract from=\"cookie\" key=\"user\" name=\"USER\"/>\n");
                subscribe(out, key, "PORT", "tenant-" + i, "      ");
                out.append("    </match:uri.component>\n");
                out.append("  </match:host>\n");
            }
            default -> {
                out.append("  <match:uri.component value=\"Feed-").append(i).append("\" ignore-case=\"true\" index=\"1\">\n");
                out.append("    <variable:extract from=\"path-segment\" key=\"2\" name=\"EVENT\"/>\n");
                out.append("    <variable:extract from=\"query\" key=\"u\" name=\"USER\"/>\n");
                out.append("    <edgeservices:response.header name=\"X-Feed\" value=\"feed-").append(i).append("\"/>\n");
                subscribe(out, key, "RANDOM", "feeds", "    ");
                out.append("  </match:uri.component>\n");
            }
        }
    }

    private static void unindexable(StringBuilder out, int i) {
        switch ((i / 100) % 4) {
            case 0 -> {
                out.append("  <match:uri.path regex=\"true\" value=\"/legacy/(?&lt;ev&gt;[0-9]+)/stream-").append(i).append("\">\n");
                out.append("    <variable:extract from=\"regex-capture\" key=\"ev\" name=\"EVENT\"/>\n");
                out.append("    <variable:extract from=\"cookie\" key=\"user\" name=\"USER\"/>\n");
                subscribe(out, TOKEN_KEYS[0], "PORT", "legacy", "    ");
                out.append("  </match:uri.path>\n");
            }
            case 1 -> {
                out.append("  <match:request.header name=\"X-Debug-").append(i).append("\">\n");
                out.append("    <edgeservices:response.header name=\"X-Debug-Seen\" value=\"").append(i).append("\"/>\n");
                out.append("  </match:request.header>\n");
            }
            case 2 -> {
                out.append("  <match:host wildcard=\"true\" value=\"*.tenant-").append(i).append(".internal\">\n");
                out.append("    <edgeservices:respond status=\"403\">internal tenants only</edgeservices:respond>\n");
                out.append("  </match:host>\n");
            }
            default -> {
                out.append("  <match:request.method value=\"OPTIONS\">\n");
                out.append("    <match:request.header name=\"X-Probe-").append(i).append("\">\n");
                out.append("      <edgeservices:respond status=\"204\"></edgeservices:respond>\n");
                out.append("    </match:request.header>\n");
                out.append("  </match:request.method>\n");
            }
        }
    }

    private static void subscribe(StringBuilder out, String key, String nonce, String customer, String indent) {
        out.append(indent).append("<edgeservices:event.handle-subscription>\n");
        out.append(indent).append("  <token><key>").append(key).append("</key><nonce-source>").append(nonce)
                .append("</nonce-source></token>\n");
        out.append(indent).append("  <user>$(USER)</user>\n");
        out.append(indent).append("  <event-id>$(EVENT)</event-id>\n");
        out.append(indent).append("  <customer-code>").append(customer).append("</customer-code>\n");
        out.append(indent).append("</edgeservices:event.handle-subscription>\n");
    }
}
