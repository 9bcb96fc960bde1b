package io.surrogate.engine.match;

/**
 * A necessary condition the rule index can look up by hash instead of running the matcher: the
 * rule can only match when the request has this path segment, this path or this host.
 */
public record IndexHint(Kind kind, String key, boolean ignoreCase) {
    public enum Kind { SEGMENT, PATH, HOST }
}
