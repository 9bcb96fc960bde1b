package io.surrogate.engine.token;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jwt.JWTClaimsSet;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Verifies a compact JWS token for {@code variable:jwt}: bounded, strictly parsed, its
 * {@code alg} allowed by the rule and served by a key of that algorithm's own type (chosen by
 * {@code kid} when the token has one), the signature checked by Nimbus, then {@code exp}
 * (required), {@code nbf}, {@code iss} and {@code aud} against the evaluation's clock with a
 * bounded skew. Every failure is a {@link Result} with a reason, never an exception.
 * Immutable and thread-safe.
 */
public final class JwtVerifier {
    /** Longer tokens are refused before any decoding. */
    public static final int MAX_TOKEN_LENGTH = 8192;
    /** The JOSE header, decoded; a header that embeds keys or certificates is refused rather than parsed. */
    public static final int MAX_HEADER_BYTES = 1024;
    public static final int MAX_HEADER_NESTING = 4;
    public static final int MAX_CLAIMS_NESTING = 16;
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

    private static final Gson STRICT_JSON = new GsonBuilder().setStrictness(Strictness.STRICT).create();
    private static final int MAX_SHOWN = 64;

    private final Set<JwtAlgorithm> algorithms;
    private final List<JwtKey> keys;
    private final String issuer;
    private final String audience;
    private final Duration clockSkew;

    /** What a verification ended with: the claims, or why the token is refused. */
    public record Result(JWTClaimsSet claims, JwtKey key, String refusal) {
        static Result refused(String why) {
            return new Result(null, null, why);
        }

        public boolean verified() {
            return claims != null;
        }
    }

    public JwtVerifier(Set<JwtAlgorithm> algorithms, List<JwtKey> keys, String issuer, String audience, Duration clockSkew) {
        if (algorithms.isEmpty() || keys.isEmpty() || clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
            throw new IllegalArgumentException("a JWT verifier needs algorithms, keys and a skew from 0 to " + MAX_CLOCK_SKEW);
        }
        this.algorithms = Set.copyOf(algorithms);
        this.keys = List.copyOf(keys);
        this.issuer = issuer;
        this.audience = audience;
        this.clockSkew = clockSkew;
    }

    public Result verify(String token, Instant now) {
        if (token == null || token.isEmpty()) {
            return Result.refused("no token");
        }
        if (token.length() > MAX_TOKEN_LENGTH) {
            return Result.refused("token longer than " + MAX_TOKEN_LENGTH + " characters");
        }
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (second < 0 || token.indexOf('.', second + 1) >= 0) {
            return Result.refused(second >= 0 ? "not a signed JWT (encrypted tokens are not accepted)" : "not a JWT (three base64url parts separated by '.')");
        }
        if (!base64url(token, 0, first) || !base64url(token, first + 1, second) || !base64url(token, second + 1, token.length())
                || first == 0 || second == token.length() - 1) {
            return Result.refused("malformed token: a part is empty or not base64url");
        }
        if (first > (MAX_HEADER_BYTES * 4 + 2) / 3) {
            return Result.refused("token header longer than " + MAX_HEADER_BYTES + " bytes");
        }
        JsonObject header = json(token.substring(0, first), MAX_HEADER_NESTING);
        if (header == null) {
            return Result.refused("malformed token header (not a JSON object)");
        }
        if (json(token.substring(first + 1, second), MAX_CLAIMS_NESTING) == null) {
            return Result.refused("malformed token claims (not a JSON object)");
        }
        String alg = string(header, "alg");
        if (alg == null) {
            return Result.refused("token header has no alg");
        }
        if (alg.equalsIgnoreCase("none")) {
            return Result.refused("alg 'none' is never accepted");
        }
        JwtAlgorithm algorithm = JwtAlgorithm.byName(alg).filter(algorithms::contains).orElse(null);
        if (algorithm == null) {
            return Result.refused("alg '" + shown(alg) + "' is not allowed (allowed: " + allowed() + ")");
        }
        if (header.has("crit")) {
            return Result.refused("token header has critical parameters (crit), which are not supported");
        }
        if (header.has("kid") && string(header, "kid") == null) {
            return Result.refused("token header's kid is not a string");
        }
        String kid = string(header, "kid");
        List<JwtKey> candidates = candidates(algorithm, kid);
        if (candidates.isEmpty()) {
            return Result.refused("no " + algorithm + " key" + (kid == null ? "" : " with kid '" + shown(kid) + "'"));
        }
        JWSObject jws;
        JWTClaimsSet claims;
        try {
            jws = JWSObject.parse(token);
            claims = JWTClaimsSet.parse(jws.getPayload().toJSONObject());
        } catch (java.text.ParseException | RuntimeException e) {
            return Result.refused("malformed token (" + shown(String.valueOf(e.getMessage())) + ")");
        }
        JwtKey by = null;
        for (JwtKey k : candidates) {
            try {
                if (k.verifier().verify(jws.getHeader(), jws.getSigningInput(), jws.getSignature())) {
                    by = k;
                    break;
                }
            } catch (JOSEException | RuntimeException e) {
                // a signature this key cannot even check (wrong length, bad encoding) is a failed check
            }
        }
        if (by == null) {
            return Result.refused("bad signature (" + algorithm + ", tried " + candidates.size() + (candidates.size() == 1 ? " key)" : " keys)"));
        }
        String claimsProblem;
        try {
            claimsProblem = checkClaims(claims, now);
        } catch (RuntimeException e) {
            // a date beyond what Instant holds, say
            claimsProblem = "malformed registered claim (exp, nbf, iss or aud of the wrong type)";
        }
        return claimsProblem == null ? new Result(claims, by, null) : Result.refused(claimsProblem);
    }

    private String checkClaims(JWTClaimsSet claims, Instant now) {
        Date exp;
        Date nbf;
        String iss;
        List<String> aud;
        try {
            exp = claims.getExpirationTime();
            nbf = claims.getNotBeforeTime();
            iss = claims.getIssuer();
            aud = claims.getAudience();
        } catch (RuntimeException e) {
            return "malformed registered claim (exp, nbf, iss or aud of the wrong type)";
        }
        if (claims.getClaim("exp") != null && exp == null || claims.getClaim("nbf") != null && nbf == null
                || claims.getClaim("iss") != null && iss == null) {
            return "malformed registered claim (exp, nbf, iss or aud of the wrong type)";
        }
        if (exp == null) {
            return "token has no exp";
        }
        if (!now.isBefore(exp.toInstant().plus(clockSkew))) {
            return "token expired at " + exp.toInstant() + " (now " + now + ", skew " + clockSkew.toSeconds() + "s)";
        }
        if (nbf != null && now.plus(clockSkew).isBefore(nbf.toInstant())) {
            return "token not valid before " + nbf.toInstant() + " (now " + now + ", skew " + clockSkew.toSeconds() + "s)";
        }
        if (issuer != null && !issuer.equals(iss)) {
            return iss == null ? "token has no iss; expected '" + issuer + "'" : "issuer '" + shown(iss) + "' is not '" + issuer + "'";
        }
        if (audience != null && (aud == null || !aud.contains(audience))) {
            return aud == null || aud.isEmpty() ? "token has no aud; expected '" + audience + "'" : "audience " + shownList(aud) + " does not include '" + audience + "'";
        }
        return null;
    }

    private List<JwtKey> candidates(JwtAlgorithm algorithm, String kid) {
        List<JwtKey> exact = new ArrayList<>();
        List<JwtKey> any = new ArrayList<>();
        for (JwtKey k : keys) {
            if (k.algorithm() != algorithm) {
                continue;
            }
            if (kid != null && kid.equals(k.kid())) {
                exact.add(k);
            } else if (kid == null || k.kid() == null) {
                any.add(k);
            }
        }
        return exact.isEmpty() ? any : exact;
    }

    /** A claim's value as a variable: a string as is, a number or boolean as JSON writes it; null otherwise. */
    public static String claimText(JWTClaimsSet claims, String name) {
        Object v = claims.getClaim(name);
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Boolean) {
            return v.toString();
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
        }
        if (v instanceof Date d) {
            return Long.toString(d.getTime() / 1000);
        }
        return null;
    }

    private static boolean base64url(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** A strictly parsed JSON object within the nesting bound, or null. */
    private static JsonObject json(String part, int nesting) {
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(part);
            String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
            JsonReader reader = STRICT_JSON.newJsonReader(new StringReader(text));
            reader.setNestingLimit(nesting);
            JsonElement parsed = STRICT_JSON.fromJson(reader, JsonElement.class);
            if (parsed == null || !parsed.isJsonObject() || reader.peek() != JsonToken.END_DOCUMENT) {
                return null;
            }
            return parsed.getAsJsonObject();
        } catch (IOException | RuntimeException | StackOverflowError e) {
            return null;
        }
    }

    private static String string(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e instanceof JsonPrimitive p && p.isString() ? p.getAsString() : null;
    }

    private String allowed() {
        return String.join(" ", algorithms.stream().sorted().map(Enum::name).toList());
    }

    /** User text in a reason: clamped, control characters replaced. */
    static String shown(String s) {
        String t = s.length() > MAX_SHOWN ? s.substring(0, MAX_SHOWN) + "…" : s;
        StringBuilder b = new StringBuilder(t.length());
        t.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return b.toString();
    }

    private static String shownList(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values.subList(0, Math.min(values.size(), 4))) {
            out.add("'" + shown(v) + "'");
        }
        return "[" + String.join(", ", out) + (values.size() > 4 ? ", …" : "") + "]";
    }
}
