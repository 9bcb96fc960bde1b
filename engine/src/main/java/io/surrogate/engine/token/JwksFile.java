package io.surrogate.engine.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A JWKS file of public keys, read once when the rules compile (a reload reads it again). It
 * is bounded (64 KiB, 32 keys) and strict: a secret ({@code oct}) or private key, an unknown
 * key type or curve, a short RSA key, or a key whose {@code alg} or {@code use} contradicts its
 * type is a problem of the file, reported, never a crash.
 */
public final class JwksFile {
    public static final int MAX_BYTES = 64 * 1024;
    public static final int MAX_KEYS = 32;
    private static final int MIN_RSA_BITS = 2048;

    /** The keys read, or the problems found (then no key is used). */
    public record Result(List<JwtKey> keys, List<String> problems) {
        public Result {
            keys = List.copyOf(keys);
            problems = List.copyOf(problems);
        }
    }

    private JwksFile() {}

    /** {@code written} is the path as the rule wrote it, which messages name. */
    public static Result read(Path file, String written) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException | RuntimeException e) {
            return failed("cannot read JWKS file '" + written + "'" + (Files.exists(file) ? "" : ": no such file"));
        }
        if (bytes.length > MAX_BYTES) {
            return failed("JWKS file '" + written + "' is larger than " + (MAX_BYTES / 1024) + " KiB");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return failed("JWKS file '" + written + "' is not UTF-8");
        }
        return parse(text, written);
    }

    public static Result parse(String text, String written) {
        JWKSet set;
        try {
            set = JWKSet.parse(text);
        } catch (java.text.ParseException | RuntimeException e) {
            return failed("JWKS file '" + written + "' is not a JWK set ({\"keys\": [...]})");
        }
        if (set.getKeys().size() > MAX_KEYS) {
            return failed("JWKS file '" + written + "' has " + set.getKeys().size() + " keys; at most " + MAX_KEYS);
        }
        if (set.getKeys().isEmpty()) {
            return failed("JWKS file '" + written + "' has no keys");
        }
        List<JwtKey> keys = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int index = 0;
        for (JWK jwk : set.getKeys()) {
            String name = "'" + written + "' key " + (jwk.getKeyID() == null ? "#" + index : "'" + jwk.getKeyID() + "'");
            String origin = written + (jwk.getKeyID() == null ? "#" + index : "");
            index++;
            try {
                JwtKey k = key(jwk, name, origin, problems);
                if (k != null) {
                    keys.add(k);
                }
            } catch (JOSEException | RuntimeException e) {
                problems.add(name + " cannot verify signatures: " + e.getMessage());
            }
        }
        return problems.isEmpty() ? new Result(keys, List.of()) : new Result(List.of(), problems);
    }

    private static JwtKey key(JWK jwk, String name, String origin, List<String> problems) throws JOSEException {
        if (jwk instanceof OctetSequenceKey) {
            problems.add(name + " is a shared secret (kty oct); a JWKS file holds public keys only, an HS256 secret belongs in the keyring");
            return null;
        }
        if (jwk.isPrivate()) {
            problems.add(name + " holds private key material; publish only the public key (the edge only verifies)");
            return null;
        }
        if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
            problems.add(name + " is for use '" + jwk.getKeyUse().identifier() + "', not 'sig'");
            return null;
        }
        JwtAlgorithm algorithm;
        JWSVerifier verifier;
        if (jwk instanceof RSAKey rsa) {
            if (rsa.size() < MIN_RSA_BITS) {
                problems.add(name + " is an RSA key of " + rsa.size() + " bits; at least " + MIN_RSA_BITS);
                return null;
            }
            algorithm = JwtAlgorithm.RS256;
            verifier = new RSASSAVerifier(rsa);
        } else if (jwk instanceof ECKey ec && Curve.P_256.equals(ec.getCurve())) {
            algorithm = JwtAlgorithm.ES256;
            verifier = new ECDSAVerifier(ec);
        } else if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
            algorithm = JwtAlgorithm.EdDSA;
            verifier = new Ed25519Verifier(okp);
        } else {
            String curve = jwk instanceof ECKey ec ? " on curve " + ec.getCurve()
                    : jwk instanceof OctetKeyPair okp ? " on curve " + okp.getCurve() : "";
            problems.add(name + " is a " + jwk.getKeyType() + " key" + curve + "; supported: RSA (RS256), EC P-256 (ES256), OKP Ed25519 (EdDSA)");
            return null;
        }
        if (jwk.getAlgorithm() != null && !jwk.getAlgorithm().equals(algorithm.jws())
                && !(algorithm == JwtAlgorithm.EdDSA && jwk.getAlgorithm().equals(JWSAlgorithm.Ed25519))) {
            problems.add(name + " says alg '" + jwk.getAlgorithm() + "', but its type verifies " + algorithm);
            return null;
        }
        return new JwtKey(algorithm, jwk.getKeyID(), verifier, origin);
    }

    private static Result failed(String problem) {
        return new Result(List.of(), List.of(problem));
    }
}
