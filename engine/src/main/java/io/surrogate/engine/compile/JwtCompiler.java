package io.surrogate.engine.compile;

import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.extract.Extractor;
import io.surrogate.engine.extract.Extractors;
import io.surrogate.engine.extract.JwtExtraction;
import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.engine.text.Durations;
import io.surrogate.engine.token.JwksFile;
import io.surrogate.engine.token.JwtAlgorithm;
import io.surrogate.engine.token.JwtKey;
import io.surrogate.engine.token.JwtVerifier;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.rules.model.JwtElement;
import io.surrogate.rules.model.SourcePosition;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The compiler step of {@code variable:jwt}: the token's source, the allowed algorithms, the
 * keys (keyring jwt keys and a JWKS file beside the rule file, read now), the registered-claim
 * checks, and the claims copied into variables, which are defined for the siblings after it.
 */
final class JwtCompiler {
    private static final Pattern CLAIM = Pattern.compile("([A-Za-z_][A-Za-z0-9_]{0,63})=([A-Za-z0-9_.:\\-]{1,128})");
    private static final Duration DEFAULT_SKEW = Duration.ofSeconds(60);

    private final CompileContext cx;
    private final AttributeValues values;

    JwtCompiler(CompileContext cx, AttributeValues values) {
        this.cx = cx;
        this.values = values;
    }

    JwtExtraction jwt(JwtElement x, Scope scope) {
        if (x.algorithms() == null) {
            // the schema reported the missing attribute
            return null;
        }
        boolean ok = true;
        String from = x.from() == null ? "header" : x.from();
        Extractor source = source(x, from);
        ok &= source != null;
        Set<JwtAlgorithm> algorithms = algorithms(x);
        ok &= algorithms != null;
        List<JwtKey> keys = new ArrayList<>();
        ok &= keyringKeys(x, keys);
        ok &= jwksKeys(x, keys);
        if (ok && algorithms != null) {
            ok &= everyAlgorithmHasAKey(x, algorithms, keys);
        }
        Duration skew = x.clockSkew() == null ? DEFAULT_SKEW
                : values.durationAttr(x, "clock-skew", x.clockSkew(), Duration.ZERO, JwtVerifier.MAX_CLOCK_SKEW);
        ok &= skew != null;
        String issuer = nonEmpty(x, "issuer", x.issuer());
        String audience = nonEmpty(x, "audience", x.audience());
        ok &= (x.issuer() == null || issuer != null) && (x.audience() == null || audience != null);
        Integer status = x.status() == null ? Integer.valueOf(401) : values.integer(x, "status", x.status(), 400, 499);
        ok &= status != null;
        List<JwtExtraction.ClaimVariable> claims = claims(x, scope);
        ok &= claims != null;
        if (!ok) {
            return null;
        }
        JwtVerifier verifier = new JwtVerifier(algorithms, keys, issuer, audience, skew);
        List<CanonicalXml.Attr> attributes = CanonicalXml.attrs(
                "from", from.equals("header") ? null : from,
                "key", from.equals("header") && source.key().equals("Authorization") ? null : source.key(),
                "algorithms", algorithms.stream().map(Enum::name).collect(Collectors.joining(" ")),
                "jwks", x.jwks() == null ? null : x.jwks().trim(),
                "keys", x.keys() == null ? null : String.join(" ", keyNames(x)),
                "issuer", issuer,
                "audience", audience,
                "clock-skew", skew.equals(DEFAULT_SKEW) ? null : Durations.format(skew),
                "claims", claims.isEmpty() ? null : claims.stream().map(c -> c.variable() + "=" + c.claim()).collect(Collectors.joining(" ")),
                "status", status == 401 ? null : status.toString());
        return new JwtExtraction(source, verifier, claims, status, attributes, x.position());
    }

    private Extractor source(JwtElement x, String from) {
        String key = x.key();
        if (key == null && from.equals("header")) {
            key = "Authorization";
        }
        if (key == null || key.isEmpty()) {
            cx.diagnostics.error(DiagnosticCode.E212, x.position(), "from=\"" + from + "\" needs a key",
                    "key names the " + (from.equals("post") ? "form or JSON field" : from.equals("query") ? "query parameter" : from) + " that holds the token");
            return null;
        }
        return switch (from) {
            case "header" -> Extractors.header(key);
            case "cookie" -> Extractors.cookie(key);
            case "query" -> Extractors.query(key);
            case "post" -> Extractors.post(key);
            default -> null; // the schema reported the unknown source
        };
    }

    private Set<JwtAlgorithm> algorithms(JwtElement x) {
        Set<JwtAlgorithm> out = EnumSet.noneOf(JwtAlgorithm.class);
        for (String name : x.algorithms().trim().split("\\s+")) {
            Optional<JwtAlgorithm> a = JwtAlgorithm.byName(name);
            if (a.isEmpty()) {
                // the schema reported it (E105); "none" can never be written
                return null;
            }
            out.add(a.get());
        }
        return out.isEmpty() ? null : out;
    }

    private static List<String> keyNames(JwtElement x) {
        return new ArrayList<>(new LinkedHashSet<>(List.of(x.keys().trim().split("\\s+"))));
    }

    private boolean keyringKeys(JwtElement x, List<JwtKey> keys) {
        if (x.keys() == null || x.keys().isBlank()) {
            return true;
        }
        boolean ok = true;
        for (String name : keyNames(x)) {
            SourcePosition at = cx.find(cx.attribute(x, "keys"), name);
            Optional<NamedKey> key = cx.key(name, KeyPurpose.JWT, at, "variable:jwt");
            ok &= key.isPresent();
            key.ifPresent(k -> keys.addAll(JwtKey.fromKeyring(k)));
        }
        return ok;
    }

    private boolean jwksKeys(JwtElement x, List<JwtKey> keys) {
        if (x.jwks() == null) {
            return true;
        }
        String written = x.jwks().trim();
        SourcePosition at = cx.attribute(x, "jwks");
        JwksFile.Result read;
        try {
            Path file = Path.of(written);
            if (!file.isAbsolute() && cx.source != null) {
                file = Path.of(cx.source.file()).resolveSibling(file);
            }
            read = written.isEmpty() ? new JwksFile.Result(List.of(), List.of("jwks names no file"))
                    : JwksFile.read(file, written);
        } catch (InvalidPathException e) {
            read = new JwksFile.Result(List.of(), List.of("'" + written + "' is not a file path"));
        }
        for (String problem : read.problems()) {
            cx.diagnostics.error(DiagnosticCode.E305, at, problem,
                    "a JWKS file, relative to the rule file, holds the issuer's public keys: {\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", ...}]}");
        }
        keys.addAll(read.keys());
        return read.problems().isEmpty();
    }

    private boolean everyAlgorithmHasAKey(JwtElement x, Set<JwtAlgorithm> algorithms, List<JwtKey> keys) {
        if (x.jwks() == null && (x.keys() == null || x.keys().isBlank())) {
            cx.diagnostics.error(DiagnosticCode.E306, x.position(), "variable:jwt names no keys",
                    "name a JWKS file of public keys (jwks=\"issuer.jwks\") or jwt keys of the keyring (keys=\"api-tokens\")");
            return false;
        }
        boolean ok = true;
        for (JwtAlgorithm a : algorithms) {
            if (keys.stream().noneMatch(k -> k.algorithm() == a)) {
                Set<JwtAlgorithm> served = keys.stream().map(JwtKey::algorithm).collect(Collectors.toCollection(() -> EnumSet.noneOf(JwtAlgorithm.class)));
                cx.diagnostics.error(DiagnosticCode.E306, cx.attribute(x, "algorithms"), "no key verifies " + a + "; " + a + " needs " + a.keyType(),
                        served.isEmpty() ? "add such a key" : "the keys given verify " + served.stream().map(Enum::name).collect(Collectors.joining(" "))
                                + "; allow only those, or add a key for " + a);
                ok = false;
            }
        }
        return ok;
    }

    private String nonEmpty(JwtElement x, String attribute, String text) {
        if (text == null) {
            return null;
        }
        if (text.isBlank()) {
            cx.diagnostics.error(DiagnosticCode.E105, cx.attribute(x, attribute), "empty " + attribute,
                    "leave the attribute out to accept any " + attribute);
            return null;
        }
        return text.trim();
    }

    private List<JwtExtraction.ClaimVariable> claims(JwtElement x, Scope scope) {
        List<JwtExtraction.ClaimVariable> out = new ArrayList<>();
        if (x.claims() == null) {
            return out;
        }
        boolean ok = true;
        Set<String> seen = new LinkedHashSet<>();
        SourcePosition attr = cx.attribute(x, "claims");
        for (String pair : x.claims().trim().split("\\s+")) {
            if (pair.isEmpty()) {
                continue;
            }
            SourcePosition at = cx.find(attr, pair);
            var m = CLAIM.matcher(pair);
            if (!m.matches()) {
                cx.diagnostics.error(DiagnosticCode.E207, at, "invalid claim mapping '" + pair + "'",
                        "write VARIABLE=claim pairs separated by spaces: claims=\"USER=sub TENANT=tenant\"");
                ok = false;
                continue;
            }
            if (!seen.add(m.group(1))) {
                cx.diagnostics.error(DiagnosticCode.E207, at, "variable '" + m.group(1) + "' is set twice in claims", null);
                ok = false;
                continue;
            }
            int slot = cx.define(m.group(1), at, scope);
            out.add(new JwtExtraction.ClaimVariable(m.group(1), slot, m.group(2)));
        }
        return ok ? out : null;
    }
}
