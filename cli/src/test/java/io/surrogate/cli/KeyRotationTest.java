package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.EdgeServer;
import io.surrogate.server.ServerConfig;
import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.Received;
import io.surrogate.server.origin.SampleOrigin;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Staged rotation of the origin key and of the token key against a running edge (issue 11):
 * add, export, promote, retire, with the edge reloading its keyring between the steps, while
 * clients subscribe and the origin delivers without pause. Not one subscription or delivery
 * may fail, and subscriptions held since before the rotation keep receiving.
 */
class KeyRotationTest {
    /** A bound on waiting for one answer or event; never a measure of speed. */
    private static final long WAIT_SECONDS = 15;

    @TempDir
    Path tmp;
    Path keys;
    SampleOrigin origin;
    EdgeServer edge;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final List<SseClient> clients = new CopyOnWriteArrayList<>();
    final AtomicInteger users = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        keys = tmp.resolve("keys");
        Cli.run("keys", "generate", "tokens", "--keys", keys).expectCode(0);
        Cli.run("keys", "generate", "origin", "--type", "hmac", "--keys", keys).expectCode(0);
        Path rules = tmp.resolve("rules.xml");
        Files.writeString(rules, """
                <rules xmlns="urn:surrogate:rules:1"
                       xmlns:match="urn:surrogate:match:1"
                       xmlns:variable="urn:surrogate:variable:1"
                       xmlns:edgeservices="urn:surrogate:edgeservices:1">
                  <match:uri.component value="subscribe-event">
                    <variable:extract from="post" key="id" name="EVENT"/>
                    <variable:extract from="cookie" key="user" name="USER"/>
                    <edgeservices:event.handle-subscription>
                      <token><key>tokens</key></token>
                      <user>$(USER)</user>
                      <event-id>$(EVENT)</event-id>
                      <subscription-type>stream</subscription-type>
                      <transport>sse</transport>
                    </edgeservices:event.handle-subscription>
                  </match:uri.component>
                </rules>
                """);
        origin = new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), secret(null), null).start();
        edge = EdgeServer.start(ServerConfig.loopback(List.of(rules), keys, Optional.of(origin.baseUri())));
        origin.setEdge(URI.create("http://127.0.0.1:" + edge.originAddress().getPort()));
    }

    @AfterEach
    void stop() {
        clients.forEach(SseClient::close);
        if (edge != null) {
            edge.close();
        }
        if (origin != null) {
            origin.close();
        }
    }

    @Test
    void theOriginKeyAndTheTokenKeyRotateInStagesWithoutOneFailure() throws Exception {
        // held from before the rotation to after it: their tokens were minted with the old token key
        SseClient early = subscribe();
        Rounds background = new Rounds();
        Thread loop = new Thread(background, "rotation-rounds");
        loop.start();
        try {
            background.awaitMore(2);
            String oldOrigin = onlyId("origin");
            byte[] oldSecret = secret(null);

            // 1. a new origin key id the edge accepts but does not sign with
            Cli.run("keys", "add", "origin", "--keys", keys).expectCode(0);
            String newOrigin = otherId("origin", oldOrigin);
            assertThat(listing()).contains("key id " + oldOrigin + " enabled primary").contains("key id " + newOrigin + " enabled\n");
            reloadAndContinue(background);

            // 2. the origin learns it: accepts both, still signs with the old one
            byte[] newSecret = secret(newOrigin);
            assertThat(newSecret).isNotEqualTo(oldSecret);
            origin.useSecrets(List.of(oldSecret, newSecret), oldSecret);
            background.awaitMore(2);

            // 3. the edge signs with the new one
            Cli.run("keys", "promote", "origin", newOrigin, "--keys", keys).expectCode(0);
            assertThat(listing()).contains("key id " + newOrigin + " enabled primary");
            reloadAndContinue(background);
            Received lastSubscribe = origin.subscribes().get(origin.subscribes().size() - 1);
            assertThat(lastSubscribe.signatureVerified()).isTrue();

            // 4. the origin signs its deliveries with the new one and forgets the old
            origin.useSecrets(List.of(oldSecret, newSecret), newSecret);
            background.awaitMore(2);
            Cli.run("keys", "retire", "origin", oldOrigin, "--keys", keys).expectCode(0);
            assertThat(listing()).doesNotContain("key id " + oldOrigin);
            reloadAndContinue(background);
            origin.useSecrets(List.of(newSecret), newSecret);
            background.awaitMore(2);

            // the token key, the same way: held subscriptions keep their tokens and keep receiving
            String oldToken = onlyId("tokens");
            Cli.run("keys", "add", "tokens", "--keys", keys).expectCode(0);
            String newToken = otherId("tokens", oldToken);
            reloadAndContinue(background);
            Cli.run("keys", "promote", "tokens", newToken, "--keys", keys).expectCode(0);
            reloadAndContinue(background);
            String minted = subscribe().token;
            assertThat(Cli.run("token", "decode", minted).expectCode(0).out()).contains("key id     " + newToken);
            Cli.run("keys", "retire", "tokens", oldToken, "--keys", keys).expectCode(0);
            reloadAndContinue(background);
        } finally {
            background.stop.set(true);
            loop.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS * 2));
        }
        assertThat(background.failures).as("subscriptions or deliveries that failed during the rotation").isEmpty();
        assertThat(background.rounds.get()).isGreaterThanOrEqualTo(16);
        // the client held since before any of it: its token was minted with the retired token key
        Delivery d = origin.deliver(early.token, early.event, early.user, "still here".getBytes(StandardCharsets.UTF_8));
        assertThat(d.status()).as(d.toString()).isEqualTo(200);
        assertThat(early.awaitData()).isEqualTo("still here");
        // at stop the edge tells the origin, signing with the origin key as it is now, not as it was when the client came
        edge.close();
        edge = null;
        assertThat(origin.unsubscribes()).filteredOn(r -> early.token.equals(r.token())).singleElement()
                .satisfies(r -> assertThat(r.signatureVerified()).as("the unsubscribe's signature, by the origin's new secret").isTrue());
    }

    @Test
    void theStepsRefuseWhatWouldBreakAnEdge() {
        String id = onlyId("origin");
        Cli.Result r = Cli.run("keys", "retire", "origin", id, "--keys", keys).expectCode(1);
        assertThat(r.err()).contains("is the primary; promote another key first");
        assertThat(Cli.run("keys", "promote", "origin", "12345", "--keys", keys).expectCode(1).err()).contains("no key id 12345");
        assertThat(Cli.run("keys", "export", "origin", "--id", "12345", "--keys", keys).expectCode(1).err()).contains("no key id 12345");
        assertThat(Cli.run("keys", "promote", "origin", "seven", "--keys", keys).expectCode(2).err()).contains("not a key id: 'seven'");
        assertThat(Cli.run("keys", "add", "nope", "--keys", keys).expectCode(1).err()).contains("has no key 'nope'");
        // export by id gives that key's secret; the primary's is the default
        Cli.run("keys", "add", "origin", "--keys", keys).expectCode(0);
        String staged = otherId("origin", id);
        String primary = Cli.run("keys", "export", "origin", "--keys", keys).expectCode(0).out().strip();
        assertThat(Cli.run("keys", "export", "origin", "--id", id, "--keys", keys).expectCode(0).out().strip()).isEqualTo(primary);
        assertThat(Cli.run("keys", "export", "origin", "--id", staged, "--keys", keys).expectCode(0).out().strip()).isNotEqualTo(primary);
        assertThat(Cli.run("keys", "export", "tokens", "--id", onlyId("tokens"), "--keys", keys).expectCode(1).err())
                .contains("is a token key");
    }

    /** The edge reloads (as its keyring watcher or POST /admin/reload would), then two more rounds run. */
    private void reloadAndContinue(Rounds background) throws InterruptedException {
        edge.reload();
        background.awaitMore(2);
    }

    /** Subscribes one client and delivers one event to it, again and again, counting every failure. */
    private final class Rounds implements Runnable {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger rounds = new AtomicInteger();
        final List<String> failures = new CopyOnWriteArrayList<>();

        @Override
        public void run() {
            while (!stop.get()) {
                try {
                    SseClient c = subscribe();
                    String text = "event " + rounds.get();
                    Delivery d = origin.deliver(c.token, c.event, c.user, text.getBytes(StandardCharsets.UTF_8));
                    if (d.status() != 200) {
                        failures.add("delivery: " + d);
                    } else if (!text.equals(c.awaitData())) {
                        failures.add("the client did not get '" + text + "'");
                    }
                    c.close();
                    clients.remove(c);
                } catch (Exception | AssertionError e) {
                    failures.add(e.toString());
                }
                synchronized (this) {
                    rounds.incrementAndGet();
                    notifyAll();
                }
            }
        }

        synchronized void awaitMore(int n) throws InterruptedException {
            int target = rounds.get() + n;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS * n);
            while (rounds.get() < target && System.nanoTime() < end) {
                wait(TimeUnit.SECONDS.toMillis(1));
            }
            assertThat(rounds.get()).as("rounds run; failures so far: " + failures).isGreaterThanOrEqualTo(target);
        }
    }

    /** An SSE client held at the edge: its user, its event, the token the origin received for it. */
    private final class SseClient implements AutoCloseable {
        final String user;
        final String event;
        final String token;
        final InputStream body;
        final BlockingQueue<String> data = new LinkedBlockingQueue<>();

        SseClient(String user, String event, String token, InputStream body) {
            this.user = user;
            this.event = event;
            this.token = token;
            this.body = body;
            Thread reader = new Thread(this::read, "sse-" + user);
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String kind = "message";
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.isEmpty()) {
                        kind = "message";
                    } else if (line.startsWith("event: ")) {
                        kind = line.substring("event: ".length());
                    } else if (line.startsWith("data: ") && kind.equals("message")) {
                        data.add(line.substring("data: ".length())); // not the stream-type's own "event: stream"
                    }
                }
            } catch (IOException closed) {
                // the test closed it
            }
        }

        String awaitData() throws InterruptedException {
            String d = data.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(d).as("an event for " + user).isNotNull();
            return d;
        }

        @Override
        public void close() {
            try {
                body.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    private SseClient subscribe() throws IOException, InterruptedException {
        int n = users.incrementAndGet();
        String user = "u" + n;
        String event = "e" + n;
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.clientAddress().getPort() + "/subscribe-event"))
                .header("Cookie", "user=" + user).header("Accept", "text/event-stream")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("id=" + event)).build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            String body = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
            throw new AssertionError("subscribe of " + user + " answered " + response.statusCode() + ": " + body.strip());
        }
        String token = origin.subscribes().stream().filter(r -> user.equals(r.user())).map(Received::token).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("the origin never heard of " + user));
        SseClient c = new SseClient(user, event, token, response.body());
        clients.add(c);
        return c;
    }

    private String listing() {
        return Cli.run("keys", "list", "--keys", keys).expectCode(0).out();
    }

    private List<String> ids(String name) {
        List<String> ids = new ArrayList<>();
        boolean in = false;
        for (String line : listing().lines().toList()) {
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

    private String onlyId(String name) {
        List<String> ids = ids(name);
        assertThat(ids).hasSize(1);
        return ids.get(0);
    }

    private String otherId(String name, String known) {
        List<String> ids = ids(name);
        assertThat(ids).hasSize(2).contains(known);
        return ids.stream().filter(i -> !i.equals(known)).findFirst().orElseThrow();
    }

    private byte[] secret(String id) {
        Cli.Result r = id == null ? Cli.run("keys", "export", "origin", "--keys", keys)
                : Cli.run("keys", "export", "origin", "--id", id, "--keys", keys);
        return Base64.getDecoder().decode(r.expectCode(0).out().strip());
    }
}
