/**
 * The edge server on Undertow, wired in {@link io.surrogate.server.EdgeServer} from its parts:
 * the client pipeline ({@code http}), held responses per transport ({@code transport}), the
 * subscription registry and flow ({@code subscribe}), delivery intake ({@code delivery}), hot
 * reload ({@code reload}), metrics and injected time. docs/architecture.md names them all.
 */
package io.surrogate.server;
