/**
 * The edge server (Undertow listeners, transports, subscription registry, origin client,
 * delivery intake, hot reload, metrics). Empty until the edge-server issue; the module exists
 * so that the layout and the build are in place.
 */
package io.surrogate.server;
