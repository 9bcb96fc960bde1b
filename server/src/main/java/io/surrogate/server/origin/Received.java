package io.surrogate.server.origin;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One request the sample origin received, as it arrived: method, raw path, every header
 * (names case-insensitive), body, when, and the verdict on its {@code X-Event-Signature}: its
 * version, and the forwarded headers it covers (lowercase name to value; empty unless verified).
 */
public record Received(String method, String path, Map<String, List<String>> headers, byte[] body, Instant receivedAt,
        JdkSignature.Check signature, int signatureVersion, Map<String, String> forwarded) {

    /** A request judged by a version 1 signature, which covers no forwarded header. */
    public Received(String method, String path, Map<String, List<String>> headers, byte[] body, Instant receivedAt,
            JdkSignature.Check signature) {
        this(method, path, headers, body, receivedAt, signature, 1, Map.of());
    }

    public Received {
        SortedMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copy.put(name, List.copyOf(values)));
        headers = Collections.unmodifiableSortedMap(copy);
        body = body.clone();
        forwarded = Collections.unmodifiableMap(new java.util.LinkedHashMap<>(forwarded));
    }

    /**
     * A cookie the edge forwarded under a verified version 2 signature (the {@code Cookie}
     * header listed in {@code X-Event-Forwarded}), or null: an unsigned {@code Cookie} header is
     * never read.
     */
    public String forwardedCookie(String name) {
        String cookies = signatureVerified() ? forwarded.get("cookie") : null;
        if (cookies == null) {
            return null;
        }
        for (String pair : cookies.split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
                return pair.substring(eq + 1).trim();
            }
        }
        return null;
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The first value of a header, or null when absent. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public String eventId() {
        return header("X-Event-Id");
    }

    public String user() {
        return header("X-Event-User");
    }

    public String token() {
        return header("X-Event-Token");
    }

    public boolean signatureVerified() {
        return signature == JdkSignature.Check.VALID;
    }

    /** Never the user, as this goes to the log. */
    @Override
    public String toString() {
        return method + " " + path + " id=" + eventId() + " signature=" + signature + " v" + signatureVersion
                + (forwarded.isEmpty() ? "" : " forwarded=" + forwarded.keySet());
    }
}
