/**
 * The edge's client of its origins: {@link io.surrogate.server.upstream.OriginClient} sends the
 * engine's signed {@code /subscribe-event} and {@code /unsubscribe-event} requests over pooled
 * keep-alive connections on the edge's IO threads, with a timeout per request, a connect timeout,
 * a bounded queue, and one resend (signed again) after a reused connection failed.
 */
package io.surrogate.server.upstream;
