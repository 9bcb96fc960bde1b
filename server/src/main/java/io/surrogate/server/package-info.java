/**
 * The edge server on Undertow: the client-side listener that runs the rules and holds clients
 * (SSE, long-poll, NDJSON stream), the origin-side listener that takes signed deliveries, the
 * subscription hub, the origin client, hot reload of the rules, and metrics.
 */
package io.surrogate.server;
