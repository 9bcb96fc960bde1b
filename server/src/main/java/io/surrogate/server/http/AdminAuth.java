package io.surrogate.server.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * How the operators' endpoints of the origin-side listener ({@code /admin/*}, {@code /metrics})
 * are authenticated (issue 11): with a bearer token, or not at all ({@link #NONE}: open to
 * whoever reaches the listener). The token comes from a file, never the command line (which
 * other users of the machine can read); only its SHA-256 is kept, and it is compared in
 * constant time. {@link #toString()} never shows it.
 *
 * @param tokenHash the SHA-256 of the token; empty: no authentication
 */
public record AdminAuth(Optional<byte[]> tokenHash) {
    public static final AdminAuth NONE = new AdminAuth(Optional.empty());
    /** Shorter tokens are refused: a guessable token is worse than none, since it looks like protection. */
    public static final int MIN_TOKEN_LENGTH = 16;
    public static final int MAX_TOKEN_LENGTH = 4096;
    private static final String BEARER = "Bearer ";

    public AdminAuth {
        tokenHash = tokenHash.map(byte[]::clone);
    }

    /** The token in a file (its first line, surrounding blanks dropped); a clear message when it will not do. */
    public static AdminAuth fromFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " is not a file");
        }
        if (Files.size(file) > MAX_TOKEN_LENGTH + 2) {
            throw new IOException(file + ": a token of at most " + MAX_TOKEN_LENGTH + " characters is expected");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int newline = text.indexOf('\n');
        String token = (newline < 0 ? text : text.substring(0, newline)).strip();
        return ofToken(token, file.toString());
    }

    static AdminAuth ofToken(String token, String where) throws IOException {
        if (token.length() < MIN_TOKEN_LENGTH) {
            throw new IOException(where + ": the admin token must have at least " + MIN_TOKEN_LENGTH + " characters (it has "
                    + token.length() + "); make one with: head -c 32 /dev/urandom | base64");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new IOException(where + ": the admin token must be printable ASCII without blanks (character " + (i + 1) + ")");
            }
        }
        return new AdminAuth(Optional.of(sha256(token)));
    }

    public boolean required() {
        return tokenHash.isPresent();
    }

    /** True when no token is required, or {@code authorization} is {@code Bearer TOKEN} with the right token. */
    public boolean allows(String authorization) {
        if (tokenHash.isEmpty()) {
            return true;
        }
        if (authorization == null || authorization.length() > BEARER.length() + MAX_TOKEN_LENGTH
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        // both sides hashed: the comparison's time says nothing about the token's length or prefix
        return MessageDigest.isEqual(tokenHash.get(), sha256(authorization.substring(BEARER.length()).strip()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AdminAuth a && a.tokenHash.isPresent() == tokenHash.isPresent()
                && (tokenHash.isEmpty() || MessageDigest.isEqual(a.tokenHash.get(), tokenHash.get()));
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(tokenHash.isPresent());
    }

    @Override
    public String toString() {
        return tokenHash.isPresent() ? "AdminAuth[bearer token]" : "AdminAuth[none]";
    }
}
