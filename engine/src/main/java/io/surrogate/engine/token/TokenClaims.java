package io.surrogate.engine.token;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;

/**
 * What an {@code X-Event-Token} says (DESIGN §4): the edge that holds the client (id and
 * address, so a delivery can be routed to it), the customer code, the user, the event, the
 * subscription type, a nonce, and issue and expiry times in seconds since the epoch.
 */
public record TokenClaims(
        String edgeId,
        String edgeAddress,
        String customer,
        String user,
        String event,
        String type,
        String nonce,
        long issuedAt,
        long expiresAt) {

    public boolean expiredAt(Instant now) {
        return now.getEpochSecond() >= expiresAt;
    }

    /** Compact JSON with a fixed field order: the plaintext inside a token. */
    public String toJson() {
        StringWriter out = new StringWriter(160);
        try (JsonWriter w = new JsonWriter(out)) {
            w.beginObject();
            w.name("v").value(1);
            w.name("edge").value(edgeId);
            w.name("addr").value(edgeAddress);
            w.name("cust").value(customer);
            w.name("sub").value(user);
            w.name("evt").value(event);
            w.name("typ").value(type);
            w.name("nonce").value(nonce);
            w.name("iat").value(issuedAt);
            w.name("exp").value(expiresAt);
            w.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Parses claims; empty when the JSON lacks a field or has one of the wrong type. */
    public static Optional<TokenClaims> fromJson(String json) {
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) {
                return Optional.empty();
            }
            JsonObject o = e.getAsJsonObject();
            if (!o.has("v") || o.get("v").getAsInt() != 1) {
                return Optional.empty();
            }
            return Optional.of(new TokenClaims(str(o, "edge"), str(o, "addr"), str(o, "cust"), str(o, "sub"),
                    str(o, "evt"), str(o, "typ"), str(o, "nonce"), num(o, "iat"), num(o, "exp")));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String str(JsonObject o, String name) {
        JsonElement e = o.get(name);
        if (!(e instanceof JsonPrimitive p) || !p.isString()) {
            throw new IllegalArgumentException("claim '" + name + "' missing");
        }
        return p.getAsString();
    }

    private static long num(JsonObject o, String name) {
        JsonElement e = o.get(name);
        if (!(e instanceof JsonPrimitive p) || !p.isNumber()) {
            throw new IllegalArgumentException("claim '" + name + "' missing");
        }
        return p.getAsLong();
    }
}
