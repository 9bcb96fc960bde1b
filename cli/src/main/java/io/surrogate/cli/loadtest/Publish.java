package io.surrogate.cli.loadtest;

import java.net.InetSocketAddress;

/**
 * One event to publish: to one subscriber's channel (unicast) or to a channel every subscriber
 * listens to ({@code subscriber} -1). The target turns it into request bytes when it is sent,
 * so a signature carries the time of sending.
 */
final class Publish {
    final long seq;
    final long scheduledNanos;
    final int subscriber;
    final String channel;
    /** Where it goes; a 421 from Surrogate changes it to the edge that minted the token. */
    InetSocketAddress to;
    int attempts;
    long sentNanos;

    Publish(long seq, long scheduledNanos, int subscriber, String channel, InetSocketAddress to) {
        this.seq = seq;
        this.scheduledNanos = scheduledNanos;
        this.subscriber = subscriber;
        this.channel = channel;
        this.to = to;
    }

    /** The event's text: {@code lt SEQ NANOS}, which subscribers parse. */
    String body() {
        return "lt " + seq + " " + scheduledNanos;
    }
}
