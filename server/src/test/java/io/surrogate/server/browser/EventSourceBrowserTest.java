package io.surrogate.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import io.surrogate.server.origin.Answer;
import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.Received;
import io.surrogate.server.origin.SampleOrigin;
import io.surrogate.server.ServerConfig;
import io.surrogate.server.tls.PemPair;
import io.surrogate.server.tls.TlsSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Native EventSources in a real Chromium against a real edge and origin on loopback, running
 * the EventSource rule of sample-rules/inbox. The page is served from its own origin
 * ({@link PageSite}), so every EventSource here is cross-origin, opened withCredentials, and
 * carries the user's cookie: what a web app on another host than its push edge does. One
 * browser for the class; each case starts its own edge, origin and page, and waits only for
 * the page's state (bounded), never for time.
 */
class EventSourceBrowserTest {
    private static final Gson GSON = new Gson();
    private static Path work;
    private static TestCertificate certificate;
    private static Chromium browser;

    /** What one EventSource of harness.html saw. */
    record Seen(String url, int opens, int errors, boolean closedForGood, List<String> serverErrors, List<Message> messages,
            List<String> states, int readyState) {
        List<String> data() {
            return messages.stream().map(Message::data).toList();
        }
    }

    record Message(String id, String data) {
    }

    @BeforeAll
    static void startBrowser() throws Exception {
        Chromium.assumeInstalled();
        work = Files.createTempDirectory("surrogate-browser-tls-");
        certificate = TestCertificate.make(work);
        browser = Chromium.start(certificate.chromiumFlags().toArray(String[]::new));
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (work != null) {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /**
     * Needs the tls-h2 branch (TLS, HTTP/2 by ALPN). Over HTTP/1.1 a browser opens at most six
     * connections to one host, so the seventh EventSource would never open: all ten open only
     * when they share a connection. The page comes from the edge itself (its fallback), so its
     * navigation entry says which protocol the edge spoke.
     */
    @Test
    void tenEventSourcesInOnePageOverHttpsAndHttp2AllOpenAndReceive() throws Exception {
        try (BrowserEdge edge = BrowserEdge.start("https://localhost", config -> servingThePageOverTls(config, certificate))) {
            String site = edge.url("https");
            browser.driver().get(site + "/");
            assertThat(browser.run("return performance.getEntriesByType('navigation')[0].nextHopProtocol;"))
                    .as("the protocol the page came over").isEqualTo("h2");
            browser.run("setUser('B');");
            for (int i = 0; i < 10; i++) {
                browser.run("openSource(arguments[0], arguments[1], true);", "source-" + i, site + "/mail/events?event=h2-" + i);
            }
            browser.until("all ten EventSources are open", d -> IntStream.range(0, 10).allMatch(i -> seen("source-" + i).opens() == 1));
            assertThat(edge.origin().subscribes()).hasSize(10);
            for (int i = 0; i < 10; i++) {
                deliver(edge.origin(), "h2-" + i, "B", "mail for " + i);
            }
            browser.until("each one has its mail", d -> IntStream.range(0, 10).allMatch(i -> seen("source-" + i).messages().size() == 1));
            for (int i = 0; i < 10; i++) {
                assertThat(seen("source-" + i).data()).containsExactly("mail for " + i);
            }
        }
    }

    /** The edge with harness.html as its fallback page and {@code certificate} on its client listener. */
    private static ServerConfig servingThePageOverTls(ServerConfig c, TestCertificate certificate) {
        TlsSettings tls = tlsSettings(certificate);
        return new ServerConfig(c.clientListen(), c.originListen(), c.origin(), c.rules(), c.keys(), c.edgeId(), c.advertisedAddress(),
                c.maxBody(), c.maxEventSize(), c.maxQueuedBytes(), c.signatureWindow(), c.replayCapacity(), c.watchRules(), c.maxClients(),
                Optional.of(PageSite.harness()), c.clock(), c.scheduler(), c.replayBudget(), c.bodyDeadline(), tls, c.proxies(), c.admin(), c.redis());
    }

    private static TlsSettings tlsSettings(TestCertificate certificate) {
        return TlsSettings.NONE.withClient(new PemPair(certificate.certificate(), certificate.key()));
    }

    @AfterEach
    void closePages() {
        if (browser != null) {
            browser.reset();
        }
    }

    @Test
    void aCredentialedEventSourceFromAnAllowedOriginReceives() throws Exception {
        try (PageSite page = PageSite.start(); BrowserEdge edge = BrowserEdge.start(page.origin())) {
            open(page, "B", "inbox", edge.url("http") + "/mail/events?event=allowed");
            browser.until("the EventSource is open", d -> seen("inbox").opens() == 1);
            List<Received> subscribes = edge.origin().subscribes();
            assertThat(subscribes).as("one subscription at the origin").hasSize(1);
            assertThat(subscribes.get(0).headers().get("X-Event-User")).as("the cookie came along cross-origin").containsExactly("B");
            assertThat(subscribes.get(0).headers().get("X-Event-Id")).containsExactly("allowed");

            deliver(edge.origin(), "allowed", "B", "mail 1");
            deliver(edge.origin(), "allowed", "B", "mail 2");
            browser.until("two messages arrived", d -> seen("inbox").messages().size() == 2);
            Seen seen = seen("inbox");
            assertThat(seen.data()).containsExactly("mail 1", "mail 2");
            assertThat(seen.messages()).allSatisfy(m -> assertThat(m.id()).matches("[0-9a-f]{16}-[0-9]+"));
            assertThat(seen.errors()).isZero();
        }
    }

    @Test
    void aDisallowedOriginNeverReachesTheOrigin() throws Exception {
        try (PageSite allowed = PageSite.start(); PageSite other = PageSite.start();
                BrowserEdge edge = BrowserEdge.start(allowed.origin())) {
            open(other, "B", "refused", edge.url("http") + "/mail/events?event=refused");
            browser.until("the refused EventSource is closed for good", d -> seen("refused").closedForGood());
            assertThat(seen("refused").opens()).as("the browser let the page read nothing").isZero();
            // an allowed page's subscription afterwards: the edge and origin work, and the refused one is not among them
            open(allowed, "B", "allowed", edge.url("http") + "/mail/events?event=allowed");
            browser.until("the allowed EventSource is open", d -> seen("allowed").opens() == 1);
            assertThat(edge.origin().received()).as("requests the origin received")
                    .extracting(r -> r.path() + " " + r.headers().getOrDefault("X-Event-Id", List.of()))
                    .containsExactly(SampleOrigin.SUBSCRIBE_PATH + " [allowed]");
        }
    }

    @Test
    void a204StopsReconnection() throws Exception {
        try (PageSite page = PageSite.start(); BrowserEdge edge = BrowserEdge.start(page.origin());
                RecordingProxy proxy = new RecordingProxy(edge.edge().clientAddress().getPort())) {
            // not signed in: the rule answers 204 at the edge
            open(page, null, "signed-out", "http://127.0.0.1:" + proxy.port() + "/mail/events?event=stop");
            browser.until("the signed-out EventSource is closed for good", d -> seen("signed-out").closedForGood());
            Seen seen = seen("signed-out");
            assertThat(seen.readyState()).as("EventSource.CLOSED: the browser will not reconnect").isEqualTo(2);
            assertThat(seen.opens()).isZero();
            assertThat(seen.states()).containsExactly("closed");
            assertThat(requestsFor(proxy, "/mail/events?event=stop")).hasSize(1);
            assertThat(edge.origin().received()).as("the origin was never asked").isEmpty();
        }
    }

    @Test
    void anEdgeRestartIsFollowedByAReconnectWithLastEventId() throws Exception {
        try (PageSite page = PageSite.start(); BrowserEdge edge = BrowserEdge.start(page.origin());
                RecordingProxy proxy = new RecordingProxy(edge.edge().clientAddress().getPort())) {
            open(page, "B", "inbox", "http://127.0.0.1:" + proxy.port() + "/mail/events?event=restart");
            browser.until("the EventSource is open", d -> seen("inbox").opens() == 1);
            deliver(edge.origin(), "restart", "B", "before the restart");
            browser.until("the first message arrived", d -> seen("inbox").messages().size() == 1);
            String lastId = seen("inbox").messages().get(0).id();
            assertThat(lastId).matches("[0-9a-f]{16}-1");

            edge.restart();
            browser.until("the EventSource reopened after the restart", d -> seen("inbox").opens() == 2);
            Seen reconnected = seen("inbox");
            assertThat(reconnected.states()).as("reconnecting, then open again").startsWith("open", "reconnecting").endsWith("open");
            assertThat(reconnected.closedForGood()).isFalse();
            List<String> heads = requestsFor(proxy, "/mail/events?event=restart");
            assertThat(heads.get(0)).doesNotContainIgnoringCase("Last-Event-ID");
            assertThat(heads.get(heads.size() - 1)).as("the reconnect's request head")
                    .containsPattern("(?im)^Last-Event-ID: " + lastId + "$");
            // the new edge does not know the subscription: it asked the origin again
            assertThat(edge.origin().subscribes()).hasSize(2);

            deliver(edge.origin(), "restart", "B", "after the restart");
            browser.until("two messages arrived", d -> seen("inbox").messages().size() == 2);
            assertThat(seen("inbox").data()).containsExactly("before the restart", "after the restart");
        }
    }

    @Test
    void aDroppedConnectionResumesWithLastEventIdWithoutTheOriginAndGetsWhatItMissed() throws Exception {
        try (PageSite page = PageSite.start(); BrowserEdge edge = BrowserEdge.start(page.origin());
                RecordingProxy proxy = new RecordingProxy(edge.edge().clientAddress().getPort())) {
            open(page, "B", "inbox", "http://127.0.0.1:" + proxy.port() + "/mail/events?event=drop");
            browser.until("the EventSource is open", d -> seen("inbox").opens() == 1);
            deliver(edge.origin(), "drop", "B", "before the drop");
            browser.until("the first message arrived", d -> seen("inbox").messages().size() == 1);
            String lastId = seen("inbox").messages().get(0).id();

            proxy.dropAll();
            browser.until("the page saw the connection drop", d -> seen("inbox").states().contains("reconnecting"));
            // while the browser waits its retry: the edge keeps the event for the subscription
            List<Delivery> meanwhile = edge.origin().deliverTo("drop", "B", "while away".getBytes(StandardCharsets.UTF_8));
            assertThat(meanwhile).singleElement().satisfies(d -> assertThat(d.status()).as("%s", d).isIn(200, 202));
            browser.until("the EventSource reopened", d -> seen("inbox").opens() == 2);
            browser.until("the missed message arrived", d -> seen("inbox").messages().size() == 2);
            assertThat(seen("inbox").data()).as("what it missed, once").containsExactly("before the drop", "while away");
            List<String> heads = requestsFor(proxy, "/mail/events?event=drop");
            assertThat(heads).hasSize(2);
            assertThat(heads.get(1)).containsPattern("(?im)^Last-Event-ID: " + lastId + "$");
            assertThat(edge.origin().subscribes()).as("resumed at the edge, without the origin").hasSize(1);

            deliver(edge.origin(), "drop", "B", "after the drop");
            browser.until("the next message arrived", d -> seen("inbox").messages().size() == 3);
        }
    }

    /** Needs the recovery-cors branch: a transient subscribe failure answered so that the EventSource retries. */
    @Test
    void anOriginAnswering503ForAWhileIsRetriedUntilItRecovers() throws Exception {
        try (PageSite page = PageSite.start(); BrowserEdge edge = BrowserEdge.start(page.origin())) {
            AtomicBoolean failing = new AtomicBoolean(true);
            edge.origin().setSubscribeAnswer(r -> failing.get() ? Answer.text(503, "down for maintenance") : Answer.accepted());
            open(page, "B", "inbox", edge.url("http") + "/mail/events?event=hiccup");
            // the browser comes back by itself: the origin sees a second subscribe with no action from the page
            browser.until("the browser subscribed again by itself after the 503", d -> edge.origin().subscribes().size() >= 2);
            Seen failed = seen("inbox");
            assertThat(failed.closedForGood()).as("a transient failure never ends the EventSource").isFalse();
            assertThat(failed.serverErrors()).as("the edge's event: error data, for the page to show").isNotEmpty();

            failing.set(false);
            browser.until("the EventSource is open once the origin accepts", d -> seen("inbox").opens() >= 1 && edge.origin().subscriptions().size() == 1);
            deliver(edge.origin(), "hiccup", "B", "back again");
            browser.until("the message after the recovery arrived", d -> seen("inbox").data().contains("back again"));
            assertThat(seen("inbox").closedForGood()).isFalse();
        }
    }

    /** Needs the many-clients branch: two clients of one user and event are both held, nothing evicts. */
    @Test
    void twoTabsOfOneUserBothReceiveEveryEvent() throws Exception {
        try (PageSite page = PageSite.start(); BrowserEdge edge = BrowserEdge.start(page.origin())) {
            String url = edge.url("http") + "/mail/events?event=tabs";
            open(page, "B", "inbox", url);
            String first = browser.driver().getWindowHandle();
            browser.until("the EventSource is open", d -> seen("inbox").opens() == 1);
            String second = browser.newTab();
            open(page, "B", "inbox", url);
            browser.until("the EventSource is open", d -> seen("inbox").opens() == 1);

            for (int i = 1; i <= 3; i++) {
                deliver(edge.origin(), "tabs", "B", "mail " + i);
            }
            for (String tab : List.of(first, second)) {
                browser.driver().switchTo().window(tab);
                browser.until("this tab has three messages", d -> seen("inbox").messages().size() >= 3);
                Seen seen = seen("inbox");
                assertThat(seen.data()).as("tab %s", tab).containsExactly("mail 1", "mail 2", "mail 3");
                assertThat(seen.opens()).as("tab %s was never dropped to make room for the other", tab).isEqualTo(1);
                assertThat(seen.errors()).isZero();
            }
        }
    }

    /** Loads {@code page} in the current tab, signs {@code user} in (null: signs out) and opens an EventSource withCredentials. */
    private static void open(PageSite page, String user, String name, String url) {
        browser.driver().get(page.page().toString());
        browser.run("setUser(arguments[0]); openSource(arguments[1], arguments[2], true);", user, name, url);
    }

    private static Seen seen(String name) {
        Object json = browser.run("return report(arguments[0]);", name);
        assertThat(json).as("an EventSource named %s in the page", name).isNotNull();
        return GSON.fromJson((String) json, Seen.class);
    }

    /**
     * The origin delivers {@code text} to the user's subscriptions of {@code event}, as many
     * as it holds, and each delivery is accepted.
     */
    private static void deliver(SampleOrigin origin, String event, String user, String text) {
        List<Delivery> results = origin.deliverTo(event, user, text.getBytes(StandardCharsets.UTF_8));
        assertThat(results).as("the origin holds a subscription of %s to %s", user, event).isNotEmpty()
                .allSatisfy(d -> assertThat(d.status()).as("delivery of %s: %s", text, d).isEqualTo(200));
    }

    private static List<String> requestsFor(RecordingProxy proxy, String target) {
        return proxy.heads().stream().filter(h -> h.startsWith("GET " + target + " ")).toList();
    }
}
