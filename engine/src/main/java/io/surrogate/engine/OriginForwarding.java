package io.surrogate.engine;

import io.surrogate.engine.request.Headers;
import io.surrogate.engine.token.OriginSignature;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code <forward-to-origin>} compiled: which client headers and cookies go to the origin with
 * {@code /subscribe-event}, signed (version 2, see {@link OriginSignature}). Made once by the
 * compiler; {@link #select} picks the values out of one request.
 *
 * <p>What is sent, and what refuses the subscription (the client gets the status, the origin
 * hears nothing):
 * <ul>
 *   <li>a header the client did not send, or sent empty, is not forwarded; one it sent more
 *       than once is refused with {@code 400} (no rule says which one the origin should trust);
 *   <li>the chosen cookies go as one {@code Cookie} header holding only them, {@code name=value}
 *       in the rule's order joined by {@code "; "}, each value as the client sent it (quotes
 *       kept). A cookie the client sent twice is taken at its first occurrence, as
 *       {@code variable:extract from="cookie"} takes it; an absent or empty one is left out;
 *   <li>a value is cut of spaces and tabs at either end (HTTP does not count them as part of
 *       it); a value holding anything but printable ASCII (0x20 to 0x7E) is refused with
 *       {@code 400}, so that every origin reads the same bytes the edge signed;
 *   <li>a value longer than {@link #MAX_VALUE_LENGTH} characters (the {@code Cookie} header
 *       the edge builds included) is refused with {@code 431}, never cut.
 * </ul>
 *
 * @param headers the header names as the rule spells them, in its order
 * @param cookies the cookie names, in the rule's order
 */
public record OriginForwarding(List<String> headers, List<String> cookies) {
    public static final OriginForwarding NONE = new OriginForwarding(List.of(), List.of());
    /** At most this many headers and cookies together per rule. */
    public static final int MAX_NAMES = 16;
    /** The longest forwarded value, in characters (bytes: they are ASCII). */
    public static final int MAX_VALUE_LENGTH = 8192;

    public OriginForwarding {
        headers = List.copyOf(headers);
        cookies = List.copyOf(cookies);
    }

    /** Nothing forwarded: the subscribe is signed with version 1, exactly as before forwarding existed. */
    public boolean isEmpty() {
        return headers.isEmpty() && cookies.isEmpty();
    }

    /** The outcome of {@link #select}: the headers to forward, or why the request is refused. */
    public sealed interface Selection {}

    /** The forwarded headers in the order sent and signed: the rule's headers, then {@code Cookie}. */
    public record Forward(List<OriginSignature.Forwarded> fields) implements Selection {
        public Forward {
            fields = List.copyOf(fields);
        }
    }

    /** The client gets {@code status} with {@code reason}; names the header or cookie, never its value. */
    public record Refuse(int status, String reason) implements Selection {}

    public Selection select(Headers requestHeaders) {
        List<OriginSignature.Forwarded> out = new ArrayList<>(headers.size() + 1);
        for (String name : headers) {
            List<String> values = requestHeaders.all(name);
            if (values.isEmpty()) {
                continue;
            }
            if (values.size() > 1) {
                return new Refuse(400, "header '" + name + "' sent " + values.size() + " times; it is forwarded to the origin and must come once");
            }
            String value = strip(values.get(0));
            if (value.isEmpty()) {
                continue;
            }
            Refuse bad = check("header '" + name + "'", value);
            if (bad != null) {
                return bad;
            }
            out.add(new OriginSignature.Forwarded(name, value));
        }
        if (!cookies.isEmpty()) {
            List<String> all = requestHeaders.all("Cookie");
            String cookieHeader = all.size() == 1 ? all.get(0) : String.join("; ", all);
            StringBuilder cookie = new StringBuilder();
            for (String name : cookies) {
                String value = rawCookie(cookieHeader, name);
                if (value == null || value.isEmpty()) {
                    continue;
                }
                Refuse bad = check("cookie '" + name + "'", value);
                if (bad != null) {
                    return bad;
                }
                if (cookie.length() > 0) {
                    cookie.append("; ");
                }
                cookie.append(name).append('=').append(value);
            }
            if (cookie.length() > MAX_VALUE_LENGTH) {
                return new Refuse(431, "the forwarded cookies make a Cookie header of " + cookie.length()
                        + " characters, more than " + MAX_VALUE_LENGTH);
            }
            if (cookie.length() > 0) {
                out.add(new OriginSignature.Forwarded("Cookie", cookie.toString()));
            }
        }
        return new Forward(out);
    }

    private static Refuse check(String what, String value) {
        if (value.length() > MAX_VALUE_LENGTH) {
            return new Refuse(431, what + " has " + value.length() + " characters, more than the " + MAX_VALUE_LENGTH
                    + " the edge forwards to the origin");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return new Refuse(400, what + " holds a character outside printable ASCII, which the edge does not forward to the origin");
            }
        }
        return null;
    }

    private static String strip(String value) {
        int from = 0;
        int to = value.length();
        while (from < to && (value.charAt(from) == ' ' || value.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (value.charAt(to - 1) == ' ' || value.charAt(to - 1) == '\t')) {
            to--;
        }
        return value.substring(from, to);
    }

    /** The first {@code name=value} pair's value as sent (spaces and tabs around it cut, quotes kept), or null. */
    static String rawCookie(String header, String name) {
        int at = 0;
        int n = header.length();
        while (at < n) {
            int semi = header.indexOf(';', at);
            int end = semi < 0 ? n : semi;
            int eq = header.indexOf('=', at);
            if (eq >= 0 && eq < end && strip(header.substring(at, eq)).equals(name)) {
                return strip(header.substring(eq + 1, end));
            }
            if (semi < 0) {
                break;
            }
            at = semi + 1;
        }
        return null;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        headers.forEach(h -> parts.add("header " + h));
        cookies.forEach(c -> parts.add("cookie " + c));
        return String.join(", ", parts);
    }
}
