package io.surrogate.benchmarks;

import io.surrogate.cli.loadtest.EdgeProcess;
import io.surrogate.cli.loadtest.Targets;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.TinkKeys;
import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.SampleOrigin;
import io.surrogate.server.origin.Subscription;
import java.io.IOException;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;

/**
 * Held SSE streams over HTTP/2 (h2c, {@code --per-connection} streams on each connection)
 * beside the same over HTTP/1.1 (one connection per stream), with one generator for both: the
 * JDK's {@link HttpClient}. Measures the edge's resident memory per held stream (after a full
 * GC, the warm-up's streams subtracted) and the unicast latency from the origin's POST to the
 * client's line, at a fixed rate. docs/performance.md, "HTTP/2"; run by benchmarks/http2.sh.
 */
public final class Http2Streams {
    private record Options(String protocol, int streams, int perConnection, int warmup, int rate, int seconds, Path jar,
            List<String> edgeFlags) {}

    private final Options o;
    private final Recorder latency = new Recorder(3);
    private final AtomicLong received = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final List<HttpClient> clients = new ArrayList<>();

    private Http2Streams(Options o) {
        this.o = o;
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = options(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: Http2Streams --protocol h1|h2c [--streams 10000] [--per-connection 100] [--warmup 1000]"
                    + " [--rate 1000] [--seconds 20] [--jar cli/target/surrogate.jar] [--edge-jvm-flags \"FLAGS\"]");
            System.exit(2);
            return;
        }
        System.exit(new Http2Streams(o).run());
    }

    private int run() throws Exception {
        Path dir = Files.createTempDirectory("http2-streams-");
        Path keys = Files.createDirectory(dir.resolve("keys"));
        Keyring.write(keys, "tok", TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys, "origin", TinkKeys.generate(KeyPurpose.HMAC));
        byte[] secret = TinkKeys.hmacSecret(Keyring.open(keys).find("origin").orElseThrow());
        Path rules = dir.resolve("held.xml");
        Files.writeString(rules, Targets.surrogateRules("30s", 16));
        try (SampleOrigin origin = new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), secret, null).start()) {
            List<String> command = EdgeProcess.command(o.edgeFlags(), o.jar(), rules, keys, origin.baseUri());
            System.out.println("# edge: " + String.join(" ", command));
            try (EdgeProcess edge = EdgeProcess.start(command, dir.resolve("edge.log"), Duration.ofSeconds(90))) {
                origin.setEdge(edge.originSide);
                URI base = URI.create("http://127.0.0.1:" + edge.clients.getPort());
                edge.jcmd("VM.version");
                hold(base, 0, o.warmup());
                long[] before = settledRss(edge);
                hold(base, o.warmup(), o.streams());
                long[] after = settledRss(edge);
                int conns = o.protocol().equals("h1") ? o.streams() : clients.size();
                double perStream = (after[0] - before[0]) * 1024.0 / (o.streams() - o.warmup());
                double heapPerStream = (after[1] - before[1]) * 1024.0 / (o.streams() - o.warmup());
                System.out.printf(Locale.ROOT, "held %,d SSE streams over %s on %,d connections (%,d held at the baseline)%n",
                        open.get(), o.protocol(), conns, o.warmup());
                System.out.printf(Locale.ROOT, "edge VmRSS after a full GC: %,d KiB at %,d, %,d KiB at %,d: %.0f bytes (%.2f KiB) per stream%n",
                        before[0], o.warmup(), after[0], o.streams(), perStream, perStream / 1024);
                System.out.printf(Locale.ROOT, "edge heap used after a full GC: %,d KiB, %,d KiB: %.0f bytes per stream%n",
                        before[1], after[1], heapPerStream);
                System.out.printf(Locale.ROOT, "edge files %,d, threads %,d%n", edge.openFiles(), edge.status().get("Threads"));
                int holdFailures = failed.get();
                long lost = unicast(origin);
                if (holdFailures > 0 || lost > 0) {
                    System.out.println("# FAILED: " + holdFailures + " streams did not open, " + lost + " events lost");
                    return 1;
                }
                System.out.println("# json {\"protocol\":\"" + o.protocol() + "\",\"streams\":" + o.streams() + ",\"connections\":" + conns
                        + ",\"rssBytesPerStream\":" + Math.round(perStream) + ",\"heapBytesPerStream\":" + Math.round(heapPerStream) + "}");
            }
        }
        // Java 17's HttpClient has no close: its connections end with this process
        return 0;
    }

    /** Opens streams {@code from} .. {@code to}: user uI on event cI, at most 200 subscribes in flight. */
    private void hold(URI base, int from, int to) throws Exception {
        Semaphore inFlight = new Semaphore(200);
        long t0 = System.nanoTime();
        for (int i = from; i < to; i++) {
            HttpClient client = clientFor(base, i);
            inFlight.acquire();
            HttpRequest req = HttpRequest.newBuilder(base.resolve("/sub?e=c" + i + "&u=u" + i)).header("Accept", "text/event-stream").build();
            client.sendAsync(req, HttpResponse.BodyHandlers.fromLineSubscriber(new Lines(inFlight))).whenComplete((r, e) -> {
                if (e != null || r.statusCode() != 200) {
                    failed.incrementAndGet();
                    inFlight.release();
                }
            });
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (open.get() + failed.get() < to && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        if (open.get() != to) {
            throw new IOException("held " + open.get() + " of " + to + " (" + failed.get() + " failed)");
        }
        System.out.printf(Locale.ROOT, "# %,d held in %.1f s%n", to, (System.nanoTime() - t0) / 1e9);
    }

    /** HTTP/1.1: one client, a connection per stream. h2c: a client per connection, its connection made first (Upgrade: h2c). */
    private HttpClient clientFor(URI base, int i) throws Exception {
        if (o.protocol().equals("h1")) {
            if (clients.isEmpty()) {
                clients.add(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
            }
            return clients.get(0);
        }
        int c = i / o.perConnection();
        while (clients.size() <= c) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            HttpResponse<String> first = client.send(HttpRequest.newBuilder(base.resolve("/")).build(), HttpResponse.BodyHandlers.ofString());
            if (first.version() != HttpClient.Version.HTTP_2) {
                throw new IOException("the edge did not upgrade to h2c: " + first.version());
            }
            clients.add(client);
        }
        return clients.get(c);
    }

    /** One stream's lines: the prelude counts it open; each data line carries the nanoTime the origin sent it at. */
    private final class Lines implements Flow.Subscriber<String> {
        private final Semaphore inFlight;
        private boolean counted;

        Lines(Semaphore inFlight) {
            this.inFlight = inFlight;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            if (!counted && line.startsWith(":")) {
                counted = true;
                open.incrementAndGet();
                inFlight.release();
            } else if (line.startsWith("data: ")) {
                try {
                    long sent = Long.parseLong(line.substring(6).strip());
                    latency.recordValue(Math.max(0, System.nanoTime() - sent) / 1000);
                    received.incrementAndGet();
                } catch (NumberFormatException ignored) {
                    // not ours
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            if (!counted) {
                failed.incrementAndGet();
                inFlight.release();
            }
        }

        @Override
        public void onComplete() {
            // the edge ends streams only at stop
        }
    }

    /** {@code rate} unicasts a second for {@code seconds}, to streams taken in turn; latency in microseconds. */
    private long unicast(SampleOrigin origin) throws Exception {
        Map<String, Subscription> byUser = new HashMap<>();
        for (Subscription s : origin.subscriptions()) {
            byUser.put(s.user(), s);
        }
        latency.reset();
        long total = (long) o.rate() * o.seconds();
        AtomicInteger refused = new AtomicInteger();
        List<CompletableFuture<Delivery>> pending = new ArrayList<>();
        long start = System.nanoTime();
        for (long n = 0; n < total; n++) {
            long due = start + n * 1_000_000_000L / o.rate();
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            Subscription s = byUser.get("u" + (n % o.streams()));
            byte[] body = Long.toString(System.nanoTime()).getBytes(StandardCharsets.US_ASCII);
            pending.add(origin.deliverAsync(s.token(), s.eventId(), s.user(), body).whenComplete((d, e) -> {
                if (e != null || d.status() != 200) {
                    refused.incrementAndGet();
                }
            }));
            if (pending.size() > 2000) {
                pending.remove(0).join();
            }
        }
        pending.forEach(CompletableFuture::join);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received.get() < total && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Histogram h = latency.getIntervalHistogram();
        System.out.printf(Locale.ROOT, "unicast at %,d/s for %d s: sent %,d, received %,d, refused %,d, lost %,d%n", o.rate(), o.seconds(),
                total, received.get(), refused.get(), total - received.get() - refused.get());
        System.out.printf(Locale.ROOT, "latency, origin POST sent to client line read (ms): p50 %.2f, p90 %.2f, p99 %.2f, p99.9 %.2f, max %.2f%n",
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
        return total - received.get() - refused.get();
    }

    /** VmRSS and heap used (KiB) after a full GC and two quiet seconds. */
    private static long[] settledRss(EdgeProcess edge) throws Exception {
        edge.jcmd("GC.run");
        Thread.sleep(2000);
        long[] heap = JvmReadings.heap(edge.jcmd("GC.heap_info"));
        return new long[] {edge.status().get("VmRSS"), heap[0]};
    }

    private static Options options(String[] args) {
        String protocol = null;
        int streams = 10_000;
        int perConnection = 100;
        int warmup = 1_000;
        int rate = 1_000;
        int seconds = 20;
        Path jar = Path.of("cli", "target", "surrogate.jar");
        List<String> flags = List.of();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            if (v == null) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            i++;
            switch (a) {
                case "--protocol" -> protocol = v;
                case "--streams" -> streams = Integer.parseInt(v);
                case "--per-connection" -> perConnection = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--rate" -> rate = Integer.parseInt(v);
                case "--seconds" -> seconds = Integer.parseInt(v);
                case "--jar" -> jar = Path.of(v);
                case "--edge-jvm-flags" -> flags = v.isBlank() ? List.of() : Arrays.asList(v.trim().split("\\s+"));
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (!"h1".equals(protocol) && !"h2c".equals(protocol)) {
            throw new IllegalArgumentException("--protocol h1 or h2c");
        }
        if (warmup < 1 || streams <= warmup || perConnection < 1 || rate < 1 || seconds < 1) {
            throw new IllegalArgumentException("need 0 < warmup < streams, per-connection, rate and seconds at least 1");
        }
        return new Options(protocol, streams, perConnection, warmup, rate, seconds, jar, flags);
    }
}
