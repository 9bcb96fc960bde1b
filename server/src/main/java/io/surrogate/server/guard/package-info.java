/**
 * What stands between the network and the edge's handlers: HTTP/1.x framing checked per
 * RFC 9112 before any handler runs ({@link io.surrogate.server.guard.FramingGuard}), a bound on
 * the time a request body may take to arrive ({@link io.surrogate.server.guard.BodyDeadline}),
 * and one bounded body reader for every framing ({@link io.surrogate.server.guard.BodyReader}).
 */
package io.surrogate.server.guard;
