package io.surrogate.server.http;

/**
 * How the operators' endpoints of the origin-side listener ({@code /admin/*}, {@code /metrics})
 * are authenticated (issue 11). {@link #NONE}: they are open to whoever reaches the listener.
 */
public record AdminAuth() {
    public static final AdminAuth NONE = new AdminAuth();
}
