package io.surrogate.engine.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.surrogate.engine.token.OriginSignature.Check;
import io.surrogate.engine.token.OriginSignature.Signed;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Origin signatures: sign → verify VALID; any field changed → BAD_SIGNATURE; old or future timestamp → STALE. */
class OriginSignatureTest {
    static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    static final long WINDOW = 300;
    final NamedKey key = new ThrowawayKeys().get("origin", KeyPurpose.HMAC);

    static Signed signed(Random r) {
        byte[] body = new byte[r.nextInt(64)];
        r.nextBytes(body);
        return new Signed("POST", "/deliver-event", "event-" + r.nextInt(1000), "user-" + r.nextInt(1000),
                "v1.tokens." + Long.toHexString(r.nextLong()), body);
    }

    @Test
    void signThenVerifyIsValid() {
        for (long seed = 0; seed < 30; seed++) {
            Signed s = signed(new Random(seed));
            String header = OriginSignature.sign(s, key, NOW.getEpochSecond(), OriginSignature.newNonce()).render();
            assertThat(OriginSignature.verify(header, s, key, NOW, WINDOW)).as("seed %d", seed).isEqualTo(Check.VALID);
        }
    }

    @Test
    void changingAnyFieldBreaksTheSignature() {
        List<UnaryOperator<Signed>> changes = List.of(
                s -> new Signed("PUT", s.path(), s.eventId(), s.eventUser(), s.token(), s.body()),
                s -> new Signed(s.method(), s.path() + "x", s.eventId(), s.eventUser(), s.token(), s.body()),
                s -> new Signed(s.method(), s.path(), s.eventId() + "1", s.eventUser(), s.token(), s.body()),
                s -> new Signed(s.method(), s.path(), s.eventId(), s.eventUser() + "1", s.token(), s.body()),
                s -> new Signed(s.method(), s.path(), s.eventId(), s.eventUser(), s.token() + "A", s.body()),
                s -> new Signed(s.method(), s.path(), s.eventId(), s.eventUser(), s.token(), "x".getBytes(StandardCharsets.UTF_8)),
                // moving a line break between fields must not keep the canonical string
                s -> new Signed(s.method(), s.path(), s.eventId() + "\n" + s.eventUser(), "", s.token(), s.body()));
        for (long seed = 0; seed < 10; seed++) {
            Signed s = signed(new Random(seed));
            String header = OriginSignature.sign(s, key, NOW.getEpochSecond(), "nonce-" + seed + "abc").render();
            for (int i = 0; i < changes.size(); i++) {
                assertThat(OriginSignature.verify(header, changes.get(i).apply(s), key, NOW, WINDOW))
                        .as("seed %d, change %d", seed, i).isEqualTo(Check.BAD_SIGNATURE);
            }
        }
    }

    @Test
    void changingTheHeaderBreaksTheSignature() {
        Signed s = signed(new Random(1));
        OriginSignature.Header h = OriginSignature.sign(s, key, NOW.getEpochSecond(), "abcdefgh12");
        assertThat(OriginSignature.verify(new OriginSignature.Header(h.timestamp() - 1, h.nonce(), h.signatureHex()).render(), s, key, NOW, WINDOW))
                .isEqualTo(Check.BAD_SIGNATURE);
        assertThat(OriginSignature.verify(new OriginSignature.Header(h.timestamp(), "abcdefgh13", h.signatureHex()).render(), s, key, NOW, WINDOW))
                .isEqualTo(Check.BAD_SIGNATURE);
        char[] hex = h.signatureHex().toCharArray();
        for (int i = 0; i < hex.length; i++) {
            char[] changed = hex.clone();
            changed[i] = changed[i] == '0' ? '1' : '0';
            assertThat(OriginSignature.verify(new OriginSignature.Header(h.timestamp(), h.nonce(), new String(changed)).render(), s, key, NOW, WINDOW))
                    .as("hex digit %d", i).isEqualTo(Check.BAD_SIGNATURE);
        }
    }

    @Test
    void anOldOrFutureTimestampIsStale() {
        Signed s = signed(new Random(2));
        String old = OriginSignature.sign(s, key, NOW.getEpochSecond() - WINDOW - 1, "abcdefgh12").render();
        String future = OriginSignature.sign(s, key, NOW.getEpochSecond() + WINDOW + 1, "abcdefgh12").render();
        String edge = OriginSignature.sign(s, key, NOW.getEpochSecond() - WINDOW, "abcdefgh12").render();
        assertThat(OriginSignature.verify(old, s, key, NOW, WINDOW)).isEqualTo(Check.STALE);
        assertThat(OriginSignature.verify(future, s, key, NOW, WINDOW)).isEqualTo(Check.STALE);
        assertThat(OriginSignature.verify(edge, s, key, NOW, WINDOW)).isEqualTo(Check.VALID);
    }

    @Test
    void malformedHeadersAreMalformed() {
        Signed s = signed(new Random(3));
        for (String bad : new String[] {null, "", "t=1", "t=x;n=abcdefgh;v1=" + "0".repeat(64), "t=1;n=short;v1=" + "0".repeat(64),
                "t=1;n=abcdefgh;v1=" + "0".repeat(63), "garbage", "t=1;n=abcdefgh;v1=" + "0".repeat(600)}) {
            assertThat(OriginSignature.verify(bad, s, key, NOW, WINDOW)).as("'%s'", bad).isEqualTo(Check.MALFORMED);
        }
    }

    @Test
    void rotatedHmacKeysStillVerifyOldSignatures() throws Exception {
        Signed s = signed(new Random(4));
        String header = OriginSignature.sign(s, key, NOW.getEpochSecond(), "abcdefgh12").render();
        NamedKey rotated = new NamedKey("origin", KeyPurpose.HMAC, TinkKeys.rotate(key.handle(), KeyPurpose.HMAC), false);
        assertThat(OriginSignature.verify(header, s, rotated, NOW, WINDOW)).isEqualTo(Check.VALID);
    }

    @Test
    void unknownParametersAndSpacesAreTolerated() {
        Signed s = signed(new Random(7));
        String header = OriginSignature.sign(s, key, NOW.getEpochSecond(), OriginSignature.newNonce()).render()
                .replace(";", " ; ") + ";v2=later";
        assertThat(OriginSignature.Header.parse(header)).isPresent();
        assertThat(OriginSignature.verify(header, s, key, NOW, WINDOW)).isEqualTo(Check.VALID);
    }

    /** Three hmac keys of the keyring, as an edge holds them, none a rotation of another. */
    static List<NamedKey> threeKeys() {
        ThrowawayKeys source = new ThrowawayKeys();
        return List.of(source.get("origin-a", KeyPurpose.HMAC), source.get("origin-b", KeyPurpose.HMAC), source.get("origin-c", KeyPurpose.HMAC));
    }

    @Test
    void verifyAnyFindsTheFirstKeyOfThree() {
        List<NamedKey> keys = threeKeys();
        Signed s = signed(new Random(10));
        String header = OriginSignature.sign(s, keys.get(0), NOW.getEpochSecond(), "abcdefgh12").render();
        OriginSignature.Verification v = OriginSignature.verifyAny(header, s, keys, NOW, WINDOW);
        assertThat(v.check()).isEqualTo(Check.VALID);
        assertThat(v.key()).isSameAs(keys.get(0));
        assertThat(v.header()).isEqualTo(OriginSignature.Header.parse(header).orElseThrow());
    }

    @Test
    void verifyAnyFindsTheLastKeyOfThree() {
        List<NamedKey> keys = threeKeys();
        for (long seed = 0; seed < 10; seed++) {
            Signed s = signed(new Random(seed));
            String header = OriginSignature.sign(s, keys.get(2), NOW.getEpochSecond(), OriginSignature.newNonce()).render();
            OriginSignature.Verification v = OriginSignature.verifyAny(header, s, keys, NOW, WINDOW);
            assertThat(v.check()).as("seed %d", seed).isEqualTo(Check.VALID);
            assertThat(v.key()).as("seed %d", seed).isSameAs(keys.get(2));
            assertThat(v.header().nonce()).isEqualTo(OriginSignature.Header.parse(header).orElseThrow().nonce());
            assertThat(v.header().timestamp()).isEqualTo(NOW.getEpochSecond());
        }
    }

    @Test
    void verifyAnyAnswersStaleBeforeTryingAKey() {
        List<NamedKey> keys = threeKeys();
        Signed s = signed(new Random(11));
        OriginSignature.Header old = OriginSignature.sign(s, keys.get(2), NOW.getEpochSecond() - WINDOW - 1, "abcdefgh12");
        OriginSignature.Header future = OriginSignature.sign(s, keys.get(1), NOW.getEpochSecond() + WINDOW + 1, "abcdefgh12");
        // a wrong signature too far from now is stale, as with one key: the time is checked first
        OriginSignature.Header oldAndWrong = new OriginSignature.Header(old.timestamp(), old.nonce(), "0".repeat(64));
        for (OriginSignature.Header h : List.of(old, future, oldAndWrong)) {
            OriginSignature.Verification v = OriginSignature.verifyAny(h.render(), s, keys, NOW, WINDOW);
            assertThat(v.check()).as(h.render()).isEqualTo(Check.STALE);
            assertThat(v.key()).isNull();
            assertThat(v.header()).isEqualTo(h);
        }
        OriginSignature.Header edge = OriginSignature.sign(s, keys.get(2), NOW.getEpochSecond() - WINDOW, "abcdefgh12");
        assertThat(OriginSignature.verifyAny(edge.render(), s, keys, NOW, WINDOW).check()).isEqualTo(Check.VALID);
    }

    @Test
    void verifyAnyAnswersMalformedWithoutAHeader() {
        List<NamedKey> keys = threeKeys();
        Signed s = signed(new Random(12));
        for (String bad : new String[] {null, "", "t=1", "t=x;n=abcdefgh;v1=" + "0".repeat(64), "t=1;n=short;v1=" + "0".repeat(64),
                "t=1;n=abcdefgh;v1=" + "0".repeat(63), "t=1;n=abcdefgh;v1=" + "0".repeat(63) + "A", "garbage"}) {
            OriginSignature.Verification v = OriginSignature.verifyAny(bad, s, keys, NOW, WINDOW);
            assertThat(v.check()).as("'%s'", bad).isEqualTo(Check.MALFORMED);
            assertThat(v.key()).isNull();
            assertThat(v.header()).isNull();
        }
    }

    @Test
    void verifyAnyRefusesASignatureOfNoneOfTheKeys() {
        List<NamedKey> keys = threeKeys();
        NamedKey other = new ThrowawayKeys().get("origin-a", KeyPurpose.HMAC);
        Signed s = signed(new Random(13));
        String byOther = OriginSignature.sign(s, other, NOW.getEpochSecond(), "abcdefgh12").render();
        OriginSignature.Verification v = OriginSignature.verifyAny(byOther, s, keys, NOW, WINDOW);
        assertThat(v.check()).as("another key of the same name").isEqualTo(Check.BAD_SIGNATURE);
        assertThat(v.key()).isNull();
        assertThat(v.header()).isEqualTo(OriginSignature.Header.parse(byOther).orElseThrow());

        String byLast = OriginSignature.sign(s, keys.get(2), NOW.getEpochSecond(), "abcdefgh12").render();
        Signed changed = new Signed(s.method(), s.path(), s.eventId(), s.eventUser(), s.token(), "x".getBytes(StandardCharsets.UTF_8));
        assertThat(OriginSignature.verifyAny(byLast, changed, keys, NOW, WINDOW).check()).as("another body").isEqualTo(Check.BAD_SIGNATURE);
        assertThat(OriginSignature.verifyAny(byLast, s, keys.subList(0, 2), NOW, WINDOW).check()).as("without the signing key")
                .isEqualTo(Check.BAD_SIGNATURE);
        assertThat(OriginSignature.verifyAny(byLast, s, List.of(), NOW, WINDOW).check()).as("no key at all").isEqualTo(Check.BAD_SIGNATURE);
    }

    @Test
    void verifyAnyTriesEveryKeyOfARotatedKeyset() throws Exception {
        List<NamedKey> keys = threeKeys();
        Signed s = signed(new Random(14));
        String header = OriginSignature.sign(s, keys.get(2), NOW.getEpochSecond(), "abcdefgh12").render();
        NamedKey rotated = new NamedKey("origin-c", KeyPurpose.HMAC, TinkKeys.rotate(keys.get(2).handle(), KeyPurpose.HMAC), false);
        OriginSignature.Verification v = OriginSignature.verifyAny(header, s, List.of(keys.get(0), rotated), NOW, WINDOW);
        assertThat(v.check()).isEqualTo(Check.VALID);
        assertThat(v.key()).isSameAs(rotated);
    }

    @Test
    void canonicalBytesAreTheCanonicalStringsUtf8() {
        Random random = new Random(42);
        String[] samples = {"", "2", "Zo%C3%AB 50%25", "v1.tok.AbC-_9", "Grüße ☂", "x\ny", "/deliver-event", "\u007f\u0080"};
        for (int i = 0; i < 200; i++) {
            byte[] body = new byte[random.nextInt(100)];
            random.nextBytes(body);
            Signed s = new Signed("POST", samples[random.nextInt(samples.length)], samples[random.nextInt(samples.length)],
                    samples[random.nextInt(samples.length)], samples[random.nextInt(samples.length)], body);
            long t = random.nextInt(Integer.MAX_VALUE);
            assertThat(OriginSignature.canonicalBytes(s, t, "nonce-" + i))
                    .isEqualTo(OriginSignature.canonical(s, t, "nonce-" + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void headerParsingAcceptsWhatTheSpecAcceptsAndNothingElse() {
        String sig = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        String ok = "t=1795953600;n=9f2c4e6a8b0d1f3e;v1=" + sig;
        assertThat(OriginSignature.Header.parse(ok)).hasValue(new OriginSignature.Header(1795953600L, "9f2c4e6a8b0d1f3e", sig));
        assertThat(OriginSignature.Header.parse(" t = 1795953600 ; n=9f2c4e6a8b0d1f3e ;v1=" + sig + ";;")).isPresent();
        assertThat(OriginSignature.Header.parse("x=1;" + ok + ";later=2")).isPresent();
        for (String bad : new String[] {"", ";", "t=1", ok.replace("t=", "t=-"), ok.replace("t=1795953600", "t=1234567890123"),
                ok.replace("n=9f2c4e6a8b0d1f3e", "n=short"), ok.replace("n=9f2c4e6a8b0d1f3e", "n=has.dot.inside"),
                ok.replace(sig, sig.toUpperCase()), ok.replace(sig, sig.substring(1)), ok + ";;x", "t=1;;n=9f2c4e6a8b0d1f3e;v1=" + sig,
                ok.replace(";n=", ";n"), "T=1795953600;n=9f2c4e6a8b0d1f3e;v1=" + sig}) {
            assertThat(OriginSignature.Header.parse(bad)).as(bad).isEmpty();
        }
    }

    // ---- version 2: a subscribe with forwarded headers

    static final List<OriginSignature.Forwarded> FORWARDED = List.of(
            new OriginSignature.Forwarded("Authorization", "Bearer a:b,c=\"d\""),
            new OriginSignature.Forwarded("Cookie", "session=1; csrf=2"));

    @Test
    void version2SignThenVerifyIsValidAndIsNoVersion1Signature() {
        Signed s = signed(new Random(3));
        String header = OriginSignature.sign(s, FORWARDED, key, NOW.getEpochSecond(), "abcdefgh12").render();
        assertThat(header).contains(";v2=").doesNotContain("v1=");
        assertThat(OriginSignature.verify(header, s, FORWARDED, key, NOW, WINDOW)).isEqualTo(Check.VALID);
        assertThat(OriginSignature.verify(header, s, key, NOW, WINDOW)).isEqualTo(Check.MALFORMED);
        String v1 = OriginSignature.sign(s, key, NOW.getEpochSecond(), "abcdefgh12").render();
        assertThat(OriginSignature.verify(v1, s, FORWARDED, key, NOW, WINDOW)).as("a v1 header is no v2 signature").isEqualTo(Check.MALFORMED);
        assertThat(OriginSignature.verify(v1.replace("v1=", "v2="), s, List.of(), key, NOW, WINDOW))
                .as("v1's HMAC under the v2 name: the schemes' first lines differ").isEqualTo(Check.BAD_SIGNATURE);
    }

    @Test
    void droppingAddingReorderingOrChangingAForwardedHeaderBreaksTheSignature() {
        Signed s = signed(new Random(4));
        String header = OriginSignature.sign(s, FORWARDED, key, NOW.getEpochSecond(), "abcdefgh12").render();
        OriginSignature.Forwarded auth = FORWARDED.get(0);
        OriginSignature.Forwarded cookie = FORWARDED.get(1);
        List<List<OriginSignature.Forwarded>> spoiled = List.of(
                List.of(),
                List.of(auth),
                List.of(cookie, auth),
                List.of(auth, cookie, new OriginSignature.Forwarded("X-Extra", "1")),
                List.of(auth, new OriginSignature.Forwarded("Cookie", "session=2; csrf=2")),
                List.of(new OriginSignature.Forwarded("Authorization", "Bearer a:b,c=\"d\"x"), cookie),
                List.of(new OriginSignature.Forwarded("Authorisation", auth.value()), cookie),
                // the list "authorization,cookie" made of one name and a value that holds the rest
                List.of(new OriginSignature.Forwarded("Authorization", auth.value() + " cookie:session=1; csrf=2")));
        for (int i = 0; i < spoiled.size(); i++) {
            assertThat(OriginSignature.verify(header, s, spoiled.get(i), key, NOW, WINDOW)).as("change %d", i).isEqualTo(Check.BAD_SIGNATURE);
        }
        assertThat(OriginSignature.verify(header, s, List.of(new OriginSignature.Forwarded("AUTHORIZATION", auth.value()), cookie), key, NOW, WINDOW))
                .as("header names ignore case: the canonical string lowercases them").isEqualTo(Check.VALID);
    }

    @Test
    void aForwardedValueCannotHoldALineBreakAndANameCannotHoldTheSeparators() {
        for (String value : List.of("a\nx-event-user:A", "a\rb", "a\u0000b", "é", " padded", "padded ", "")) {
            assertThat(catchThrowable(() -> new OriginSignature.Forwarded("Authorization", value))).as("value %s", value)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        for (String name : List.of("a:b", "a,b", "a b", "", "a\nb")) {
            assertThat(catchThrowable(() -> new OriginSignature.Forwarded(name, "v"))).as("name %s", name)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
