package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keys} and {@code token}, with a real keyring in a temporary directory. */
class KeysAndTokensTest {
    static final Path MAIL = Cli.SAMPLES.resolve("mail");
    static final String TOKEN_KEY = "ywewu238347i3u";
    /** A fixed time, so that expiry is tested without waiting. */
    static final Instant MINTED = Instant.parse("2030-01-01T00:00:00Z");

    @TempDir
    Path tmp;
    Path keys;

    @BeforeEach
    void keyring() {
        keys = tmp.resolve("keys");
        assertThat(Cli.run("keys", "generate", TOKEN_KEY, "--keys", keys).expectCode(0).out()).contains(TOKEN_KEY);
        Cli.run("keys", "generate", "origin", "--type", "hmac", "--keys", keys).expectCode(0);
    }

    /** Mints a token the way the edge would: dry-run the mail sample with the keyring. */
    private JsonObject mint(String edgeId) {
        JsonObject doc = Cli.run("dry-run", "--json", "--keys", keys, "--edge-id", edgeId, "--now", MINTED,
                "--rules", MAIL, "--request", MAIL.resolve("subscribe.http")).expectCode(0).json();
        assertThat(doc.get("throwawayKeys").getAsBoolean()).isFalse();
        return doc.getAsJsonObject("token");
    }

    /** Every base64 "value" (key material) in a Tink JSON keyset file. */
    private List<String> material(String name) throws IOException {
        JsonObject keyset = JsonParser.parseString(Files.readString(keys.resolve(name + ".json"))).getAsJsonObject();
        List<String> out = new ArrayList<>();
        for (JsonElement k : keyset.getAsJsonArray("key")) {
            out.add(k.getAsJsonObject().getAsJsonObject("keyData").get("value").getAsString());
        }
        assertThat(out).isNotEmpty().allSatisfy(v -> assertThat(v).hasSizeGreaterThan(20));
        return out;
    }

    private static List<String> keyIds(String listing, String name) {
        List<String> ids = new ArrayList<>();
        boolean in = false;
        for (String line : listing.lines().toList()) {
            if (!line.startsWith(" ")) {
                in = line.startsWith(name + " ");
            } else if (in) {
                Matcher m = Pattern.compile("^  key id (\\d+)").matcher(line);
                if (m.find()) {
                    ids.add(m.group(1));
                }
            }
        }
        return ids;
    }

    @Test
    void generateRefusesToOverwriteAndBadNamesAndTypes() {
        Cli.run("keys", "generate", TOKEN_KEY, "--keys", keys).expectCode(1);
        Cli.run("keys", "generate", "-bad", "--keys", keys).expectCode(2);
        Cli.run("keys", "generate", "x", "--type", "rsa", "--keys", keys).expectCode(2);
        Cli.run("keys", "generate", TOKEN_KEY, "--force", "--keys", keys).expectCode(0);
    }

    @Test
    void listShowsNamesTypesAndKeyIdsButNeverMaterial() throws IOException {
        String secret = Cli.run("keys", "export", "origin", "--keys", keys).expectCode(0).out().strip();
        assertThat(Base64.getDecoder().decode(secret)).hasSize(32);
        Cli.Result r = Cli.run("keys", "list", "--keys", keys).expectCode(0);
        assertThat(r.out()).containsPattern("(?m)^" + TOKEN_KEY + "  token ").containsPattern("(?m)^origin  hmac ");
        assertThat(keyIds(r.out(), TOKEN_KEY)).hasSize(1);
        String shown = r.out() + r.err();
        assertThat(shown).doesNotContain(secret);
        for (String name : List.of(TOKEN_KEY, "origin")) {
            for (String value : material(name)) {
                assertThat(shown).doesNotContain(value).doesNotContain(value.substring(0, 16));
            }
        }
        // the raw secret, in either base64 alphabet, without padding
        String raw = secret.replace("=", "");
        assertThat(shown).doesNotContain(raw.substring(0, 16)).doesNotContain(raw.replace('+', '-').replace('/', '_').substring(0, 16));
    }

    @Test
    void exportRefusesTokenKeysAndUnknownKeys() {
        Cli.Result r = Cli.run("keys", "export", TOKEN_KEY, "--keys", keys).expectCode(1);
        assertThat(r.out()).isEmpty();
        Cli.run("keys", "export", "nope", "--keys", keys).expectCode(1);
    }

    @Test
    void rotateAddsAKeyIdAndTokensMintedBeforeStillVerify() {
        JsonObject before = mint("edge-1");
        List<String> idsBefore = keyIds(Cli.run("keys", "list", "--keys", keys).expectCode(0).out(), TOKEN_KEY);

        Cli.run("keys", "rotate", TOKEN_KEY, "--keys", keys).expectCode(0);

        List<String> idsAfter = keyIds(Cli.run("keys", "list", "--keys", keys).expectCode(0).out(), TOKEN_KEY);
        assertThat(idsAfter).hasSize(2).containsAll(idsBefore);
        String newId = idsAfter.stream().filter(id -> !idsBefore.contains(id)).findFirst().orElseThrow();
        assertThat(Cli.run("keys", "list", "--keys", keys).out()).contains("key id " + newId + " enabled primary");

        // the old token still verifies; a new one is minted under the new primary
        Cli.run("token", "verify", "--keys", keys, "--now", MINTED.plusSeconds(60), before.get("value").getAsString()).expectCode(0);
        JsonObject after = mint("edge-1");
        assertThat(Cli.run("token", "decode", after.get("value").getAsString()).expectCode(0).out()).contains("key id     " + newId);
        assertThat(Cli.run("token", "decode", before.get("value").getAsString()).expectCode(0).out()).contains("key id     " + idsBefore.get(0));
        Cli.run("token", "verify", "--keys", keys, "--now", MINTED.plusSeconds(60), after.get("value").getAsString()).expectCode(0);

        Cli.run("keys", "rotate", "nope", "--keys", keys).expectCode(1);
    }

    @Test
    void verifyShowsTheClaimsOfAValidToken() {
        JsonObject token = mint("edge-1");
        Cli.Result r = Cli.run("token", "verify", "--keys", keys, "--now", MINTED.plusSeconds(60), token.get("value").getAsString())
                .expectCode(0);
        assertThat(r.out()).startsWith("valid").containsPattern("(?m)^  user       B$").containsPattern("(?m)^  event      2$")
                .containsPattern("(?m)^  edge       edge-1 at ").containsPattern("(?m)^  type       one-shot$");
    }

    @Test
    void verifyRefusesATokenOfAnotherEdge() {
        JsonObject token = mint("edge-1");
        Cli.Result r = Cli.run("token", "verify", "--keys", keys, "--edge-id", "edge-2", "--now", MINTED.plusSeconds(60),
                token.get("value").getAsString()).expectCode(1);
        assertThat(r.out()).startsWith("invalid: foreign-edge");
    }

    @Test
    void verifyRefusesAnExpiredToken() {
        JsonObject token = mint("edge-1");
        Instant expiry = Instant.ofEpochSecond(token.get("expiresAt").getAsLong());
        Cli.run("token", "verify", "--keys", keys, "--now", expiry.minusSeconds(1), token.get("value").getAsString()).expectCode(0);
        Cli.Result r = Cli.run("token", "verify", "--keys", keys, "--now", expiry.plusSeconds(1), token.get("value").getAsString())
                .expectCode(1);
        assertThat(r.out()).startsWith("invalid: expired");
    }

    @Test
    void verifyRefusesATamperedToken() {
        String token = mint("edge-1").get("value").getAsString();
        int at = token.length() - 10;
        String tampered = token.substring(0, at) + (token.charAt(at) == 'A' ? 'B' : 'A') + token.substring(at + 1);
        Cli.Result r = Cli.run("token", "verify", "--keys", keys, "--now", MINTED.plusSeconds(60), tampered).expectCode(1);
        assertThat(r.out()).startsWith("invalid: bad-authentication");
        assertThat(Cli.run("token", "verify", "--keys", keys, "not-a-token").expectCode(1).out()).startsWith("invalid: malformed");
        // a token for a key this keyring does not have
        String otherKey = token.replaceFirst("^v1\\." + TOKEN_KEY + "\\.", "v1.other-key.");
        assertThat(Cli.run("token", "verify", "--keys", keys, otherKey).expectCode(1).out()).startsWith("invalid: unknown-key");
    }

    @Test
    void verifyRefusesATokenMintedWithThrowawayKeys() {
        JsonObject doc = Cli.run("dry-run", "--json", "--rules", MAIL, "--request", MAIL.resolve("subscribe.http")).expectCode(0).json();
        assertThat(doc.get("throwawayKeys").getAsBoolean()).isTrue();
        Cli.run("token", "verify", "--keys", keys, doc.getAsJsonObject("token").get("value").getAsString()).expectCode(1);
    }

    @Test
    void decodeShowsTheEnvelopeWithoutKeys() {
        String token = mint("edge-1").get("value").getAsString();
        Cli.Result r = Cli.run("token", "decode", token).expectCode(0);
        assertThat(r.out()).containsPattern("(?m)^key        " + TOKEN_KEY + "$").containsPattern("(?m)^key id     \\d+$");
        assertThat(r.out()).doesNotContain("user       B");
        Cli.run("token", "decode", "garbage").expectCode(1);
        Cli.run("token", "decode", "v1.k.!!!").expectCode(1);
    }

    @Test
    void dryRunWithAKeyringNeedsTheNamedKey(@TempDir Path other) {
        Path empty = other.resolve("keys");
        Cli.run("keys", "generate", "origin", "--type", "hmac", "--keys", empty).expectCode(0);
        Cli.Result r = Cli.run("dry-run", "--keys", empty, "--rules", MAIL, "--request", MAIL.resolve("subscribe.http")).expectCode(1);
        assertThat(r.errors()).extracting(Cli.Diag::code).containsExactly("E301");
    }
}
