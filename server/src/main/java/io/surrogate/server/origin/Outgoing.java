package io.surrogate.server.origin;

/**
 * A request the sample origin sends to the edge, with every part a test may want to forge.
 * {@link SampleOrigin#outgoing} makes a correct one (now, a fresh nonce, the origin's secret);
 * the {@code with*} methods spoil it. Sending the same value twice replays its nonce.
 *
 * @param path the path as sent, including any path of the edge's base URI; it is also signed
 * @param eventId {@code X-Event-Id} as sent; null leaves the header out (signed as empty)
 * @param user {@code X-Event-User} as sent; null leaves the header out (signed as empty)
 * @param token {@code X-Event-Token}; null leaves the header out (signed as empty)
 * @param body the body that is signed
 * @param sentBody the body that is sent; null to send {@link #body}
 * @param contentType null for no Content-Type
 * @param secret the raw HMAC secret to sign with
 * @param signature null to compute the header, blank to leave it out, else sent verbatim
 */
public record Outgoing(String method, String path, String eventId, String user, String token, byte[] body,
        byte[] sentBody, String contentType, long timestamp, String nonce, byte[] secret, String signature) {

    public Outgoing {
        body = body.clone();
        sentBody = sentBody == null ? null : sentBody.clone();
        secret = secret.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    @Override
    public byte[] sentBody() {
        return sentBody == null ? null : sentBody.clone();
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    /** The X-Event-Signature value to send, or null for none. */
    public String signatureHeader() {
        if (signature != null) {
            return signature.isBlank() ? null : signature;
        }
        return JdkSignature.sign(secret, new JdkSignature.Signed(method, path, eventId, user, token, body), timestamp, nonce);
    }

    /** The bytes that go on the wire. */
    byte[] wireBody() {
        return sentBody == null ? body.clone() : sentBody.clone();
    }

    public Outgoing withTimestamp(long t) {
        return new Outgoing(method, path, eventId, user, token, body, sentBody, contentType, t, nonce, secret, signature);
    }

    public Outgoing withNonce(String n) {
        return new Outgoing(method, path, eventId, user, token, body, sentBody, contentType, timestamp, n, secret, signature);
    }

    public Outgoing withSecret(byte[] s) {
        return new Outgoing(method, path, eventId, user, token, body, sentBody, contentType, timestamp, nonce, s, signature);
    }

    /** Signs {@link #body} but sends these bytes: a body changed after signing. */
    public Outgoing withSentBody(byte[] b) {
        return new Outgoing(method, path, eventId, user, token, body, b, contentType, timestamp, nonce, secret, signature);
    }

    public Outgoing withMethod(String m) {
        return new Outgoing(m, path, eventId, user, token, body, sentBody, contentType, timestamp, nonce, secret, signature);
    }

    public Outgoing withContentType(String type) {
        return new Outgoing(method, path, eventId, user, token, body, sentBody, type, timestamp, nonce, secret, signature);
    }

    /** Sends this header value instead of the computed one; blank leaves the header out. */
    public Outgoing withSignature(String header) {
        return new Outgoing(method, path, eventId, user, token, body, sentBody, contentType, timestamp, nonce, secret, header);
    }

    /** Never the user, as this goes to the log. */
    @Override
    public String toString() {
        return method + " " + path + " event=" + eventId + " token=" + Subscription.abbreviate(token)
                + " t=" + timestamp + " n=" + nonce;
    }
}
