package io.surrogate.engine.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.mac.HmacKey;
import com.google.crypto.tink.mac.HmacParameters;
import com.google.crypto.tink.util.SecretBytes;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.NonceSource;
import io.surrogate.engine.OriginRequest;
import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.SubscriptionSettings;
import io.surrogate.engine.SubscriptionType;
import io.surrogate.engine.Subscriptions;
import io.surrogate.engine.Transport;
import io.surrogate.engine.OriginForwarding;
import io.surrogate.engine.TransientFailure;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.Headers;
import io.surrogate.engine.text.Escaping;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.OriginSignature;
import io.surrogate.engine.token.ThrowawayKeys;
import io.surrogate.engine.token.TinkKeys;
import java.io.File;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps docs/protocol.md and docs/protocol-vectors.json honest against the edge's signing code.
 *
 * <p>The vectors file is the reference: every vector is recomputed with {@link Escaping} and
 * {@link OriginSignature} from the published test secret, and docs/protocol.md must show the
 * same values in a section {@code ### Vector `NAME`} (its first {@code ```text} block is the
 * canonical string, its first {@code ```http} block the request). The two standalone checkers
 * and the signing script under docs/examples run when their interpreter is on the PATH.
 */
class ProtocolVectorsTest {
    private static final Path VECTORS = Markdown.DOCS.resolve("protocol-vectors.json");
    private static final Path EXAMPLES = Markdown.DOCS.resolve("examples");
    private static final long PROCESS_TIMEOUT_SECONDS = 30;
    private static final Pattern VECTOR_HEADING = Pattern.compile("Vector `([a-z0-9-]+)`");
    private static final Pattern SIGNATURE_HEADER = Pattern.compile("t=([0-9]+);n=([A-Za-z0-9_-]{8,64});v1=([0-9a-f]{64})");
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @TempDir
    static Path temp;

    private static JsonObject file;
    private static List<JsonObject> vectors;
    private static Markdown doc;
    private static byte[] secret;
    private static NamedKey originKey;

    @BeforeAll
    static void load() throws Exception {
        file = JsonParser.parseString(Files.readString(VECTORS, StandardCharsets.UTF_8)).getAsJsonObject();
        vectors = new ArrayList<>();
        for (JsonElement e : file.getAsJsonArray("vectors")) {
            vectors.add(e.getAsJsonObject());
        }
        doc = Markdown.read("protocol.md");
        secret = Base64.getDecoder().decode(str(file.getAsJsonObject("testSecret"), "base64"));
        originKey = hmacKeyFromKeyring(secret);
    }

    /** The test secret as the edge holds it: a Tink HMAC keyset written to and read back from a keyring. */
    private static NamedKey hmacKeyFromKeyring(byte[] bytes) throws Exception {
        HmacParameters parameters = HmacParameters.builder()
                .setKeySizeBytes(32)
                .setTagSizeBytes(32)
                .setHashType(HmacParameters.HashType.SHA256)
                .setVariant(HmacParameters.Variant.NO_PREFIX)
                .build();
        HmacKey key = HmacKey.builder()
                .setParameters(parameters)
                .setKeyBytes(SecretBytes.copyFrom(bytes, InsecureSecretKeyAccess.get()))
                .build();
        KeysetHandle handle = KeysetHandle.newBuilder()
                .addEntry(KeysetHandle.importKey(key).withRandomId().makePrimary())
                .build();
        Path keys = temp.resolve("keys");
        Keyring.write(keys, "origin", handle);
        Keyring keyring = Keyring.open(keys);
        assertThat(keyring.problems()).isEmpty();
        return keyring.find("origin").orElseThrow();
    }

    private static String str(JsonObject o, String name) {
        JsonElement e = o.get(name);
        assertThat(e).as("field '%s' of %s", name, o.has("name") ? o.get("name") : "the file").isNotNull();
        return e.getAsString();
    }

    private static String sha256Hex(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static byte[] body(JsonObject v) {
        return str(v, "body").getBytes(StandardCharsets.UTF_8);
    }

    private static int version(JsonObject v) {
        return v.has("version") ? v.get("version").getAsInt() : 1;
    }

    /** A version 2 vector's forwarded headers, in order. */
    private static List<OriginSignature.Forwarded> forwarded(JsonObject v) {
        List<OriginSignature.Forwarded> out = new ArrayList<>();
        for (JsonElement e : v.getAsJsonArray("forwarded")) {
            out.add(new OriginSignature.Forwarded(str(e.getAsJsonObject(), "name"), str(e.getAsJsonObject(), "value")));
        }
        return out;
    }

    private static OriginSignature.Signed signed(JsonObject v) {
        return new OriginSignature.Signed(str(v, "method"), str(v, "path"), str(v, "eventId"), str(v, "user"), str(v, "token"), body(v));
    }

    // ---- the file against the engine

    @Test
    void theTestSecretIsWhatKeysExportWouldPrint() {
        JsonObject s = file.getAsJsonObject("testSecret");
        assertThat(secret).hasSize(32);
        assertThat(HexFormat.of().formatHex(secret)).isEqualTo(str(s, "hex"));
        assertThat(originKey.purpose()).isEqualTo(KeyPurpose.HMAC);
        // `surrogate keys export` prints exactly this: standard base64 of the primary's raw bytes.
        assertThat(Base64.getEncoder().encodeToString(TinkKeys.hmacSecret(originKey))).isEqualTo(str(s, "base64"));
        assertThat(str(file, "scheme")).isEqualTo(OriginSignature.SCHEME);
    }

    @TestFactory
    Stream<DynamicTest> everyVectorIsWhatTheEdgeComputes() {
        return vectors.stream().map(v -> DynamicTest.dynamicTest(str(v, "name"), () -> {
            assertThat(Escaping.headerValue(str(v, "eventIdBeforeEscaping"))).as("X-Event-Id").isEqualTo(str(v, "eventId"));
            assertThat(Escaping.headerValue(str(v, "userBeforeEscaping"))).as("X-Event-User").isEqualTo(str(v, "user"));
            assertThat(sha256Hex(body(v))).as("bodySha256").isEqualTo(str(v, "bodySha256"));

            long t = v.get("timestamp").getAsLong();
            String n = str(v, "nonce");
            boolean v2 = version(v) == 2;
            String canonical = v2 ? OriginSignature.canonical(signed(v), forwarded(v), t, n) : OriginSignature.canonical(signed(v), t, n);
            assertThat(canonical).as("canonical").isEqualTo(str(v, "canonical"));
            assertThat(sha256Hex(canonical.getBytes(StandardCharsets.UTF_8))).as("canonicalSha256").isEqualTo(str(v, "canonicalSha256"));

            OriginSignature.Header header = v2 ? OriginSignature.sign(signed(v), forwarded(v), originKey, t, n)
                    : OriginSignature.sign(signed(v), originKey, t, n);
            assertThat(header.signatureHex()).as("signature").isEqualTo(str(v, "signature"));
            assertThat(header.render()).as("header").isEqualTo(str(v, "header"));
            if (v2) {
                assertThat(str(v, "forwardedList")).isEqualTo(OriginSignature.forwardedList(forwarded(v)));
                assertThat(OriginSignature.verify(str(v, "header"), signed(v), forwarded(v), originKey, Instant.ofEpochSecond(t + 1), 300))
                        .isEqualTo(OriginSignature.Check.VALID);
                assertThat(OriginSignature.verify(str(v, "header"), signed(v), originKey, Instant.ofEpochSecond(t + 1), 300))
                        .as("a v2 header is no v1 signature").isEqualTo(OriginSignature.Check.MALFORMED);
            } else {
                assertThat(OriginSignature.verify(str(v, "header"), signed(v), originKey, Instant.ofEpochSecond(t + 1), 300))
                        .isEqualTo(OriginSignature.Check.VALID);
            }
        }));
    }

    @Test
    void theVectorsCoverWhatOriginAuthorsMeet() {
        assertThat(vectors).as("a subscribe signed by the edge")
                .anyMatch(v -> str(v, "from").equals("edge") && str(v, "path").equals("/subscribe-event"));
        assertThat(vectors).as("an unsubscribe signed by the edge")
                .anyMatch(v -> str(v, "from").equals("edge") && str(v, "path").equals("/unsubscribe-event"));
        assertThat(vectors).as("a unicast delivery")
                .anyMatch(v -> str(v, "from").equals("origin") && str(v, "path").equals("/deliver-event")
                        && !str(v, "token").isEmpty() && !str(v, "user").isEmpty());
        assertThat(vectors).as("a fan-out with empty user and token")
                .anyMatch(v -> str(v, "path").equals("/deliver-event") && str(v, "token").isEmpty() && str(v, "user").isEmpty());
        assertThat(vectors).as("a body beyond ASCII")
                .anyMatch(v -> str(v, "body").chars().anyMatch(c -> c > 0x7F));
        assertThat(vectors).as("an escaped user")
                .anyMatch(v -> !str(v, "user").equals(str(v, "userBeforeEscaping")));
        assertThat(vectors).as("an empty body's digest is the documented one")
                .filteredOn(v -> str(v, "body").isEmpty()).allMatch(v -> str(v, "bodySha256").equals(EMPTY_SHA256));
        assertThat(vectors.stream().map(v -> str(v, "nonce")).distinct().count()).as("distinct nonces").isEqualTo(vectors.size());
        assertThat(vectors).as("a forwarded session cookie, signed version 2")
                .anyMatch(v -> version(v) == 2 && str(v, "forwardedList").equals("cookie"));
        assertThat(vectors).as("a forwarded header and several cookies, one quoted with ':' ',' '='")
                .anyMatch(v -> version(v) == 2 && str(v, "forwardedList").contains(",") && str(v, "canonical").contains("=\"")
                        && str(v, "canonical").contains(":1,"));
        assertThat(vectors).as("a forwarding rule, nothing forwarded")
                .anyMatch(v -> version(v) == 2 && str(v, "forwardedList").isEmpty() && str(v, "canonical").endsWith("\n"));
    }

    // ---- the page against the file

    private static Map<String, Markdown.Section> vectorSections() {
        Map<String, Markdown.Section> out = new LinkedHashMap<>();
        for (Markdown.Section s : doc.sections(3)) {
            Matcher m = VECTOR_HEADING.matcher(s.title());
            if (m.matches()) {
                assertThat(out.put(m.group(1), s)).as("vector '%s' shown twice", m.group(1)).isNull();
            }
        }
        return out;
    }

    @Test
    void thePageShowsTheTestSecretAndEveryVectorInTheFilesOrder() {
        Markdown.Section secretSection = doc.sections(3).stream().filter(s -> s.title().equals("The test secret")).findFirst()
                .orElseThrow(() -> new AssertionError("no section 'The test secret'"));
        JsonObject s = file.getAsJsonObject("testSecret");
        assertThat(secretSection.text()).contains("`" + str(s, "base64") + "`", "`" + str(s, "hex") + "`", "TEST ONLY");
        assertThat(List.copyOf(vectorSections().keySet())).isEqualTo(vectors.stream().map(v -> str(v, "name")).toList());
    }

    @TestFactory
    Stream<DynamicTest> everyVectorOnThePageIsTheFiles() {
        Map<String, Markdown.Section> sections = vectorSections();
        return vectors.stream().filter(v -> sections.containsKey(str(v, "name"))).map(v -> DynamicTest.dynamicTest(str(v, "name"), () -> {
            Markdown.Section section = sections.get(str(v, "name"));
            String where = "docs/protocol.md:" + section.line();

            Markdown.CodeBlock canonical = section.firstBlock("text").orElseThrow(() -> new AssertionError(where + ": no ```text block"));
            assertThat(canonical.text()).as("%s canonical string", where).isEqualTo(str(v, "canonical") + "\n");
            assertThat(section.text()).as(where)
                    .contains("| body SHA-256 | `" + str(v, "bodySha256") + "` |")
                    .contains("Canonical string SHA-256: `" + str(v, "canonicalSha256") + "`")
                    .contains("| timestamp `t` | `" + v.get("timestamp").getAsLong() + "` (")
                    .contains("| nonce `n` | `" + str(v, "nonce") + "` |");

            Markdown.CodeBlock http = section.firstBlock("http").orElseThrow(() -> new AssertionError(where + ": no ```http block"));
            ShownRequest shown = ShownRequest.parse(http.text());
            assertThat(shown.requestLine()).as("%s request line", where).isEqualTo(str(v, "method") + " " + str(v, "path") + " HTTP/1.1");
            assertThat(shown.headers()).as("%s headers", where)
                    .containsEntry("X-Event-Id", str(v, "eventId"))
                    .containsEntry("X-Event-User", str(v, "user"))
                    .containsEntry("X-Event-Token", str(v, "token"))
                    .containsEntry("X-Event-Signature", str(v, "header"))
                    .containsEntry("Content-Length", Integer.toString(body(v).length));
            if (version(v) == 2) {
                assertThat(shown.headers()).as("%s forwarded headers", where).containsEntry("X-Event-Forwarded", str(v, "forwardedList"));
                for (OriginSignature.Forwarded f : forwarded(v)) {
                    assertThat(shown.headers()).as("%s forwarded headers", where).containsEntry(f.name(), f.value());
                }
            } else {
                assertThat(shown.headers()).as(where).doesNotContainKey("X-Event-Forwarded");
            }
            assertThat(shown.body()).as("%s body", where).isEqualTo(str(v, "body"));
        }));
    }

    /** A request as the page shows it: request line, headers (the value after ':' trimmed), blank line, body. */
    record ShownRequest(String requestLine, Map<String, String> headers, String body) {
        static ShownRequest parse(String block) {
            String text = block.endsWith("\n") ? block.substring(0, block.length() - 1) : block;
            int blank = text.indexOf("\n\n");
            String head = blank < 0 ? text : text.substring(0, blank);
            String body = blank < 0 ? "" : text.substring(blank + 2);
            String[] lines = head.split("\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                assertThat(colon).as("header line '%s'", lines[i]).isPositive();
                headers.put(lines[i].substring(0, colon), lines[i].substring(colon + 1).trim());
            }
            return new ShownRequest(lines[0], headers, body);
        }
    }

    // ---- the edge's own requests against the documented algorithm

    /** HMAC-SHA256 over the canonical string as docs/protocol.md words it, with the JDK alone. */
    private static String documentedSignature(String path, String id, String user, String token, long t, String n, byte[] body)
            throws Exception {
        String canonical = "surrogate-v1" + "\n" + "POST" + "\n" + path + "\n" + id + "\n" + user + "\n" + token + "\n"
                + t + "\n" + n + "\n" + sha256Hex(body);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(canonical.getBytes(StandardCharsets.UTF_8)));
    }

    @TestFactory
    Stream<DynamicTest> theEdgesOriginRequestsVerifyWithTheDocumentedAlgorithm() throws Exception {
        NamedKey tokenKey = new ThrowawayKeys().get("mail-token", KeyPurpose.TOKEN);
        EdgeRequest client = new EdgeRequest("POST", "/subscribe-event", "", "mail.example.com",
                Headers.builder().add("Host", "mail.example.com").build(), new byte[0], InetAddress.getLoopbackAddress(), 62471, 1L);
        EdgeEnvironment env = new EdgeEnvironment("edge-1", "127.0.0.1:8080", InstantSource.fixed(Instant.ofEpochSecond(1_795_953_601L)));
        record Case(String name, String user, String event, Optional<String> origin, String expectedPrefix) {}
        List<Case> cases = List.of(
                new Case("plain", "B", "2", Optional.empty(), ""),
                new Case("escaped user", "Zoë 50%", "inbox", Optional.empty(), ""),
                new Case("no user, escaped event", "", "news\r\nX-Evil: 1", Optional.empty(), ""),
                new Case("origin with a path", "B", "2", Optional.of("http://10.0.0.5:8081/events"), "/events"));
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases) {
            SubscriptionSettings settings = new SubscriptionSettings(tokenKey, NonceSource.PORT, Duration.ofHours(1), originKey,
                    c.origin(), Duration.ofSeconds(5), SubscriptionType.ONE_SHOT, Transport.AUTO, Duration.ofSeconds(15),
                    Duration.ofSeconds(3), 16, false, SubscriptionSettings.DEFAULT_MAX_CLIENTS, OriginForwarding.NONE, TransientFailure.DEFAULT);
            SubscriptionPlan plan = new SubscriptionPlan(c.user(), c.event(), "default", settings, "test");
            String token = Subscriptions.mint(plan, client, env).token();
            for (String which : List.of("subscribe", "unsubscribe")) {
                tests.add(DynamicTest.dynamicTest(which + ", " + c.name(), () -> {
                    OriginRequest r = which.equals("subscribe")
                            ? Subscriptions.subscribe(plan, client, token, env)
                            : Subscriptions.unsubscribe(plan, client, token, env);
                    assertThat(r.method()).isEqualTo("POST");
                    assertThat(r.path()).isEqualTo(c.expectedPrefix() + "/" + which + "-event");
                    assertThat(r.body()).isEmpty();
                    assertThat(r.header("Content-Length")).isEqualTo("0");
                    assertThat(r.header("X-Event-Id")).isEqualTo(Escaping.headerValue(c.event())).matches("[\\x20-\\x7E]*");
                    assertThat(r.header("X-Event-User")).as("present, even when empty").isNotNull()
                            .isEqualTo(Escaping.headerValue(c.user())).matches("[\\x20-\\x7E]*");
                    assertThat(r.header("X-Event-Token")).isEqualTo(token);

                    Matcher m = SIGNATURE_HEADER.matcher(r.header("X-Event-Signature"));
                    assertThat(m.matches()).as(r.header("X-Event-Signature")).isTrue();
                    assertThat(Long.parseLong(m.group(1))).isEqualTo(1_795_953_601L);
                    assertThat(m.group(2)).as("the edge's nonce").matches("[0-9a-f]{32}");
                    assertThat(m.group(3)).isEqualTo(documentedSignature(r.path(), r.header("X-Event-Id"), r.header("X-Event-User"),
                            token, Long.parseLong(m.group(1)), m.group(2), r.body()));
                }));
            }
        }
        // The escaped-user vector shows the same header value the edge sends for that user.
        JsonObject escaped = vectors.stream().filter(v -> str(v, "name").equals("escaped-user-subscribe")).findFirst().orElseThrow();
        assertThat(Escaping.headerValue("Zoë 50%")).isEqualTo(str(escaped, "user"));
        return tests.stream();
    }

    /**
     * An origin written from the section "Forwarded headers" alone: the headers as received
     * (name to every value), checked as its steps say. Returns the credentials it may trust
     * (lowercase name to value), or null when the request must be refused.
     */
    private static Map<String, String> documentedV2Check(String path, Map<String, List<String>> received, byte[] body) throws Exception {
        java.util.function.Function<String, List<String>> get = name -> received.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name)).flatMap(e -> e.getValue().stream()).toList();
        Map<String, String> params = new LinkedHashMap<>();
        for (String part : get.apply("X-Event-Signature").get(0).split(";")) {
            params.put(part.substring(0, part.indexOf('=')), part.substring(part.indexOf('=') + 1));
        }
        if (!params.containsKey("v2")) {
            return null;
        }
        List<String> lists = get.apply("X-Event-Forwarded");
        String list = lists.isEmpty() ? "" : lists.get(0);
        StringBuilder canonical = new StringBuilder("surrogate-v2\nPOST\n" + path + "\n" + get.apply("X-Event-Id").get(0) + "\n"
                + get.apply("X-Event-User").get(0) + "\n" + get.apply("X-Event-Token").get(0) + "\n" + params.get("t") + "\n"
                + params.get("n") + "\n" + sha256Hex(body) + "\n" + list);
        Map<String, String> trusted = new LinkedHashMap<>();
        for (String name : list.isEmpty() ? new String[0] : list.split(",")) {
            List<String> values = get.apply(name);
            if (trusted.containsKey(name) || values.size() != 1) {
                return null;
            }
            trusted.put(name, values.get(0));
            canonical.append('\n').append(name).append(':').append(values.get(0));
        }
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        String expected = HexFormat.of().formatHex(mac.doFinal(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), params.get("v2").getBytes(StandardCharsets.US_ASCII))
                ? trusted : null;
    }

    private static Map<String, List<String>> asReceived(OriginRequest r) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        r.headers().forEach(h -> out.computeIfAbsent(h.name(), k -> new ArrayList<>()).add(h.value()));
        return out;
    }

    @TestFactory
    Stream<DynamicTest> theEdgesForwardedHeadersVerifyWithTheDocumentedAlgorithm() throws Exception {
        NamedKey tokenKey = new ThrowawayKeys().get("mail-token", KeyPurpose.TOKEN);
        EdgeEnvironment env = new EdgeEnvironment("edge-1", "127.0.0.1:8080", InstantSource.fixed(Instant.ofEpochSecond(1_795_953_601L)));
        SubscriptionSettings settings = new SubscriptionSettings(tokenKey, NonceSource.PORT, Duration.ofHours(1), originKey,
                Optional.empty(), Duration.ofSeconds(5), SubscriptionType.ONE_SHOT, Transport.AUTO, Duration.ofSeconds(15),
                Duration.ofSeconds(3), 16, false, SubscriptionSettings.DEFAULT_MAX_CLIENTS,
                new OriginForwarding(List.of("Authorization"), List.of("session", "csrf")), TransientFailure.DEFAULT);
        SubscriptionPlan plan = new SubscriptionPlan("B", "2", "default", settings, "test");
        record Case(String name, Headers headers, Map<String, String> trusted) {}
        List<Case> cases = List.of(
                new Case("a session cookie among others", Headers.builder().add("Cookie", "user=B; session=abc123; theme=dark").build(),
                        Map.of("cookie", "session=abc123")),
                // a client that sends the edge's own headers, a second Cookie header, padding and look-alike values
                new Case("hostile neighbours", Headers.builder()
                        .add("Authorization", " \tBearer x:y,z=\"1\"\t ")
                        .add("Cookie", "session=\"s:1,2\"; sessionx=no; user=A")
                        .add("X-Event-User", "A")
                        .add("X-Event-Forwarded", "authorization,cookie,x-event-user")
                        .add("Cookie", "csrf=tok; session=second")
                        .build(),
                        Map.of("authorization", "Bearer x:y,z=\"1\"", "cookie", "session=\"s:1,2\"; csrf=tok")),
                new Case("nothing to forward", Headers.builder().add("Cookie", "user=B").add("Authorization", "").build(), Map.of()));
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            EdgeRequest client = new EdgeRequest("POST", "/subscribe-event", "", "mail.example.com", c.headers(), new byte[0],
                    InetAddress.getLoopbackAddress(), 62471, 1L);
            String token = Subscriptions.mint(plan, client, env).token();
            OriginRequest r = Subscriptions.subscribe(plan, client, token, env);
            Map<String, List<String>> received = asReceived(r);
            assertThat(documentedV2Check(r.path(), received, r.body())).as("what the origin may trust").isEqualTo(c.trusted());
            assertThat(received.keySet()).as("exactly the chosen headers, nothing else of the client's")
                    .containsExactlyElementsOf(Stream.concat(Stream.of("X-Event-Id", "X-Event-User", "X-Event-Token", "X-Event-Forwarded"),
                            Stream.concat(c.trusted().containsKey("authorization") ? Stream.of("Authorization") : Stream.empty(),
                                    Stream.concat(c.trusted().containsKey("cookie") ? Stream.of("Cookie") : Stream.empty(),
                                            Stream.of("X-Event-Signature", "Content-Length")))).toList());
            assertThat(received.get("X-Event-User")).containsExactly("B");

            // a man in the middle adds, changes or drops a forwarded header: the documented check refuses it
            for (Map.Entry<String, List<String>> e : received.entrySet()) {
                if (e.getKey().startsWith("X-Event-Signature") || e.getKey().equals("Content-Length")) {
                    continue;
                }
                Map<String, List<String>> spoiled = new LinkedHashMap<>(received);
                spoiled.put(e.getKey(), List.of(e.getValue().get(0) + "x"));
                assertThat(documentedV2Check(r.path(), spoiled, r.body())).as("changed %s", e.getKey()).isNull();
            }
            Map<String, List<String>> smuggled = new LinkedHashMap<>(received);
            smuggled.put("X-Event-Forwarded", List.of(received.get("X-Event-Forwarded").get(0).isEmpty() ? "cookie"
                    : received.get("X-Event-Forwarded").get(0) + ",cookie"));
            smuggled.put("Cookie", List.of("session=stolen"));
            assertThat(documentedV2Check(r.path(), smuggled, r.body())).as("a header added to the list").isNull();
        }));
    }

    // ---- the scripts, where their interpreters exist

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(Pattern.quote(File.pathSeparator))) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    record Run(int exit, String output) {}

    private static Run run(Path directory, Map<String, String> environment, String... command) throws Exception {
        Path output = Files.createTempFile(temp, "out", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("%s did not finish within %d s", String.join(" ", command), PROCESS_TIMEOUT_SECONDS);
        }
        return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    /** The vectors file with the first vector's signature changed in its first digit. */
    private static Path tamperedVectors() throws Exception {
        JsonObject copy = file.deepCopy();
        JsonObject first = copy.getAsJsonArray("vectors").get(0).getAsJsonObject();
        String signature = str(first, "signature");
        first.addProperty("signature", (signature.charAt(0) == '0' ? "1" : "0") + signature.substring(1));
        Path out = temp.resolve("tampered-vectors.json");
        Files.writeString(out, copy.toString(), StandardCharsets.UTF_8);
        return out;
    }

    private void checkerPassesAndFailsOnATamperedFile(String... command) throws Exception {
        Path cwd = Path.of("").toAbsolutePath();
        Run ok = run(cwd, Map.of(), command);
        assertThat(ok.exit()).as(ok.output()).isZero();
        for (JsonObject v : vectors) {
            assertThat(ok.output()).contains("ok   " + str(v, "name") + " ");
        }

        String[] tampered = Stream.concat(Stream.of(command), Stream.of(tamperedVectors().toString())).toArray(String[]::new);
        Run bad = run(cwd, Map.of(), tampered);
        assertThat(bad.exit()).as(bad.output()).isEqualTo(1);
        assertThat(bad.output()).contains("FAIL " + str(vectors.get(0), "name") + ":");
    }

    @Test
    void thePythonCheckerAgrees() throws Exception {
        assumeTrue(onPath("python3"), "python3 is not on the PATH");
        checkerPassesAndFailsOnATamperedFile("python3", EXAMPLES.resolve("check_vectors.py").toString());
    }

    @Test
    void theNodeCheckerAgrees() throws Exception {
        assumeTrue(onPath("node"), "node is not on the PATH");
        checkerPassesAndFailsOnATamperedFile("node", EXAMPLES.resolve("check_vectors.mjs").toString());
    }

    @Test
    void signDeliveryReproducesTheDeliveryVectors() throws Exception {
        assumeTrue(onPath("python3"), "python3 is not on the PATH");
        for (JsonObject v : vectors) {
            if (!str(v, "path").equals("/deliver-event")) {
                continue;
            }
            List<String> command = new ArrayList<>(List.of("python3", EXAMPLES.resolve("sign_delivery.py").toAbsolutePath().toString(),
                    "--event-id", str(v, "eventIdBeforeEscaping"), "--user", str(v, "userBeforeEscaping"), "--escape",
                    "--token", str(v, "token"), "--body", str(v, "body"),
                    "--timestamp", Long.toString(v.get("timestamp").getAsLong()), "--nonce", str(v, "nonce")));
            Run r = run(temp, Map.of("SURROGATE_ORIGIN_SECRET", str(file.getAsJsonObject("testSecret"), "base64"),
                    "PYTHONIOENCODING", "utf-8"), command.toArray(String[]::new));
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.output()).as(str(v, "name"))
                    .contains("X-Event-Id: " + str(v, "eventId") + "\n")
                    .contains("X-Event-Signature: " + str(v, "header") + "\n");
        }
    }

    @Test
    void thePythonSnippetSignsLikeTheVectors() throws Exception {
        assumeTrue(onPath("python3"), "python3 is not on the PATH");
        Markdown.Section signing = doc.sections(3).stream().filter(s -> s.title().startsWith("Signing")).findFirst()
                .orElseThrow(() -> new AssertionError("no section 'Signing'"));
        String snippet = signing.firstBlock("python").orElseThrow(() -> new AssertionError("no python block under 'Signing'")).text();
        JsonObject v = vectors.stream().filter(x -> str(x, "name").equals("utf8-body-delivery")).findFirst().orElseThrow();
        Path script = temp.resolve("snippet.py");
        // The snippet takes the time and the nonce from the time and secrets modules; fix both.
        Files.writeString(script, snippet + String.join("\n",
                "import base64, json, sys",
                "v = json.load(open(sys.argv[1], encoding='utf-8'))['vectors'][int(sys.argv[2])]",
                "time.time = lambda: v['timestamp']",
                "secrets.token_hex = lambda n: v['nonce']",
                "secret = base64.b64decode(sys.argv[3])",
                "print(x_event_signature(secret, v['path'], v['eventId'], v['user'], v['token'], v['body'].encode('utf-8')))",
                ""), StandardCharsets.UTF_8);
        Run r = run(temp, Map.of(), "python3", script.toString(), VECTORS.toAbsolutePath().toString(),
                Integer.toString(vectors.indexOf(v)), str(file.getAsJsonObject("testSecret"), "base64"));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output().strip()).isEqualTo(str(v, "header"));
    }

    @Test
    void theCheckedShellExamplePrintsItsVectorsHeader() throws Exception {
        assumeTrue(onPath("bash") && onPath("openssl") && onPath("od"), "bash, openssl or od is not on the PATH");
        List<String> lines = List.of(doc.text().split("\n", -1));
        Pattern marker = Pattern.compile("<!-- check: ([a-z0-9-]+) -->");
        int checked = 0;
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = marker.matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            int markerLine = i + 1;
            JsonObject v = vectors.stream().filter(x -> str(x, "name").equals(m.group(1))).findFirst()
                    .orElseThrow(() -> new AssertionError("docs/protocol.md:" + markerLine + ": no vector '" + m.group(1) + "'"));
            List<Markdown.CodeBlock> after = doc.blocks().stream().filter(b -> b.line() > markerLine).limit(2).toList();
            assertThat(after).hasSize(2);
            assertThat(after.get(0).line()).as("the sh block follows the marker").isEqualTo(markerLine + 1);
            assertThat(after.get(0).info()).isEqualTo("sh");
            assertThat(after.get(1).info()).isEqualTo("text");
            assertThat(after.get(1).text()).as("the output shown").isEqualTo(str(v, "header") + "\n");

            Path dir = Files.createDirectories(temp.resolve("shell-" + m.group(1)));
            Files.writeString(dir.resolve("example.sh"), after.get(0).text(), StandardCharsets.UTF_8);
            Run r = run(dir, Map.of(), "bash", "example.sh");
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.output()).isEqualTo(str(v, "header") + "\n");
            checked++;
        }
        assertThat(checked).as("checked shell examples").isPositive();
    }
}
