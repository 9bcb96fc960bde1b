package io.surrogate.engine.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens: mint → verify round-trips; any changed byte fails; rotation keeps old tokens valid. */
class TinkTokenCodecTest {
    static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    static Keyring keyring;

    @TempDir
    static Path dir;

    @BeforeAll
    static void keyring() throws Exception {
        Keyring.write(dir, "tokens", TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(dir, "origin", TinkKeys.generate(KeyPurpose.HMAC));
        keyring = Keyring.open(dir);
    }

    static TokenClaims claims(Random r) {
        String user = "user-" + Long.toHexString(r.nextLong()).substring(0, 1 + r.nextInt(10)) + (r.nextBoolean() ? "é\u2603" : "");
        return new TokenClaims("edge-1", "127.0.0.1:8080", "acme", user, "event-" + r.nextInt(1000), "one-shot",
                "port-" + r.nextInt(65536) + "-c1", NOW.getEpochSecond() - r.nextInt(100), NOW.getEpochSecond() + 3600);
    }

    static NamedKey tokens() {
        return keyring.find("tokens").orElseThrow();
    }

    @Test
    void mintThenVerifyGivesTheClaimsBack() throws Exception {
        for (long seed = 0; seed < 50; seed++) {
            TokenClaims c = claims(new Random(seed));
            String token = TinkTokenCodec.mint(c, tokens());
            assertThat(TinkTokenCodec.verify(token, keyring, "edge-1", NOW)).as("seed %d", seed).isEqualTo(c);
        }
    }

    @Test
    void changingAnyCharacterOfTheTokenFailsVerification() {
        for (long seed = 0; seed < 6; seed++) {
            String token = TinkTokenCodec.mint(claims(new Random(seed)), tokens());
            Random r = new Random(seed);
            for (int i = 0; i < token.length(); i++) {
                for (int mask : new int[] {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 1 + r.nextInt(255)}) {
                    char[] chars = token.toCharArray();
                    chars[i] = (char) (chars[i] ^ mask);
                    assertFails(new String(chars), "seed " + seed + ", char " + i + " xor " + mask);
                }
            }
        }
    }

    @Test
    void changingAnyByteOfTheCiphertextFailsVerification() {
        String token = TinkTokenCodec.mint(claims(new Random(7)), tokens());
        String prefix = token.substring(0, token.lastIndexOf('.') + 1);
        byte[] data = Base64.getUrlDecoder().decode(token.substring(prefix.length()));
        for (int i = 0; i < data.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] changed = data.clone();
                changed[i] ^= (byte) (1 << bit);
                assertFails(prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(changed), "byte " + i + " bit " + bit);
            }
        }
    }

    @Test
    void truncatedOrExtendedTokensFail() {
        String token = TinkTokenCodec.mint(claims(new Random(8)), tokens());
        for (int len = 0; len < token.length(); len++) {
            assertFails(token.substring(0, len), "truncated to " + len);
        }
        for (String extra : new String[] {"A", "AA", "=", "==", ".", "\n"}) {
            assertFails(token + extra, "extended by '" + extra + "'");
        }
    }

    static void assertFails(String token, String what) {
        try {
            TokenClaims c = TinkTokenCodec.verify(token, keyring, "edge-1", NOW);
            fail(what + ": the changed token '" + token + "' verified as " + c);
        } catch (TokenException expected) {
            // refused
        } catch (RuntimeException e) {
            fail(what + ": threw " + e + " instead of a TokenException", e);
        }
    }

    @Test
    void expiredFutureAndForeignTokensAreRefusedWithTheirReason() {
        TokenClaims c = claims(new Random(1));
        String token = TinkTokenCodec.mint(c, tokens());
        assertThatThrownBy(() -> TinkTokenCodec.verify(token, keyring, "edge-1", Instant.ofEpochSecond(c.expiresAt())))
                .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.reason()).isEqualTo(TokenException.Reason.EXPIRED));
        assertThatThrownBy(() -> TinkTokenCodec.verify(token, keyring, "edge-2", NOW))
                .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.reason()).isEqualTo(TokenException.Reason.FOREIGN_EDGE));
        assertThatThrownBy(() -> TinkTokenCodec.verify(token, keyring, "edge-1", NOW.minusSeconds(3600)))
                .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.reason()).isEqualTo(TokenException.Reason.NOT_YET_VALID));
    }

    @Test
    void aTokenNamingAnHmacKeyOrAMissingKeyIsRefused() {
        String token = TinkTokenCodec.mint(claims(new Random(2)), tokens());
        assertThatThrownBy(() -> TinkTokenCodec.verify(token.replace("v1.tokens.", "v1.origin."), keyring, "edge-1", NOW))
                .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.reason()).isEqualTo(TokenException.Reason.UNKNOWN_KEY));
        assertThatThrownBy(() -> TinkTokenCodec.verify(token.replace("v1.tokens.", "v1.nokey."), keyring, "edge-1", NOW))
                .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.reason()).isEqualTo(TokenException.Reason.UNKNOWN_KEY));
    }

    @Test
    void rotationKeepsOldTokensVerifyingAndMintsWithTheNewKey() throws Exception {
        NamedKey old = tokens();
        String before = TinkTokenCodec.mint(claims(new Random(3)), old);
        NamedKey rotated = new NamedKey("tokens", KeyPurpose.TOKEN, TinkKeys.rotate(old.handle(), KeyPurpose.TOKEN), false);
        KeySource afterRotation = new Single(rotated);
        assertThat(TinkTokenCodec.verify(before, afterRotation, "edge-1", NOW)).isEqualTo(claims(new Random(3)));
        String after = TinkTokenCodec.mint(claims(new Random(4)), rotated);
        assertThat(TinkTokenCodec.verify(after, afterRotation, "edge-1", NOW)).isEqualTo(claims(new Random(4)));
        assertThatThrownBy(() -> TinkTokenCodec.verify(after, keyring, "edge-1", NOW))
                .as("a token of the new key does not open with the old keyset").isInstanceOf(TokenException.class);
        assertThat(Keyring.describe(rotated)).hasSize(2);
    }

    @Test
    void rotationWrittenToTheKeyringKeepsOldTokensVerifying(@TempDir Path ring) throws Exception {
        Keyring.write(ring, "tokens", TinkKeys.generate(KeyPurpose.TOKEN));
        String before = TinkTokenCodec.mint(claims(new Random(5)), Keyring.open(ring).find("tokens").orElseThrow());
        Keyring.write(ring, "tokens", TinkKeys.rotate(Keyring.open(ring).find("tokens").orElseThrow().handle(), KeyPurpose.TOKEN));
        assertThat(TinkTokenCodec.verify(before, Keyring.open(ring), "edge-1", NOW)).isEqualTo(claims(new Random(5)));
    }

    record Single(NamedKey key) implements KeySource {
        public java.util.Optional<NamedKey> find(String name) {
            return name.equals(key.name()) ? java.util.Optional.of(key) : java.util.Optional.empty();
        }

        public java.util.Set<String> names() {
            return java.util.Set.of(key.name());
        }

        public boolean throwaway() {
            return false;
        }
    }
}
