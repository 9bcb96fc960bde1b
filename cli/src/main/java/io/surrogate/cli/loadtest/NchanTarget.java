package io.surrogate.cli.loadtest;

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
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Nchan (nginx with the nchan module) under the same load, started by
 * {@code benchmarks/nchan/nchan.sh start}: subscribers {@code GET /sub/CHANNEL}, publishes are
 * unsigned {@code POST /pub/CHANNEL}, the count of subscribers comes from
 * {@code /nchan_status}, and the processes are the master in {@code DIR/nginx.pid} and its
 * children. Nchan has no origin: a subscription is held without asking anyone. With a Redis URL
 * (its config, {@code nchan.sh start --redis}, keeps channels and messages there) that Redis's
 * process is read beside nginx's for CPU and memory.
 */
final class NchanTarget implements Target {
    private static final Pattern SUBSCRIBERS = Pattern.compile("(?m)^subscribers: (\\d+)");
    private static final Pattern ACTIVE = Pattern.compile("active subscribers: (\\d+)");

    private final InetSocketAddress address;
    private final Path dir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String redis;
    private final List<Long> redisPids;

    NchanTarget(URI url, Path dir, String redis) {
        this.address = new InetSocketAddress(url.getHost(), url.getPort() < 0 ? 80 : url.getPort());
        this.dir = dir;
        this.redis = redis;
        try {
            this.redisPids = redis == null ? List.of() : LocalRedis.pids(redis);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("the Redis Nchan uses does not answer: " + e.getMessage(), e);
        }
    }

    Report.Setup setup() {
        return redis == null ? null : new Report.Setup(null, redis, null);
    }

    @Override
    public List<Long> redisPids() {
        return redisPids;
    }

    @Override
    public Long redisUsedKiB() throws IOException {
        return redis == null ? null : LocalRedis.usedMemoryKiB(redis);
    }

    @Override
    public String name() {
        return "nchan";
    }

    @Override
    public String describe() {
        try {
            Process p = new ProcessBuilder("nginx", "-v").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return v + ", " + (pids().size() - 1) + " worker(s)" + (redis == null ? "" : " on Redis " + redis + " (redis-server pids " + redisPids + ")")
                    + ", config " + dir.resolve("nginx.conf");
        } catch (IOException e) {
            return "nginx (version unknown: " + e.getMessage() + ")";
        }
    }

    @Override
    public InetSocketAddress clientAddress(int i) {
        return address;
    }

    @Override
    public String subscribePath(int i, String channel) {
        return "/sub/" + channel;
    }

    @Override
    public List<InetSocketAddress> clientAddresses() {
        return List.of(address);
    }

    @Override
    public String subscribeTemplate() {
        return "/sub/c{i}";
    }

    @Override
    public InetSocketAddress publishAddress(int subscriber) {
        return address;
    }

    @Override
    public byte[] publishRequest(Publish p) {
        String body = p.body();
        return ("POST /pub/" + p.channel + " HTTP/1.1\r\nHost: " + address.getAddress().getHostAddress() + ":" + address.getPort()
                + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public int delivered(int status, String body) {
        if (status != 201 && status != 202) {
            return -1;
        }
        Matcher m = ACTIVE.matcher(body);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    @Override
    public long heldOnServer() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address.getAddress().getHostAddress() + ":"
                + address.getPort() + "/nchan_status")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = SUBSCRIBERS.matcher(r.body());
        if (r.statusCode() != 200 || !m.find()) {
            throw new IOException("/nchan_status answered " + r.statusCode() + ": " + r.body());
        }
        return Long.parseLong(m.group(1));
    }

    @Override
    public boolean settled() throws Exception {
        return heldOnServer() == 0;
    }

    @Override
    public List<Long> pids() throws IOException {
        long master = Long.parseLong(Files.readString(dir.resolve("nginx.pid")).strip());
        List<Long> pids = new ArrayList<>(List.of(master));
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (Long.parseLong(f[1]) == master) {
                        pids.add(Long.parseLong(name));
                    }
                } catch (IOException gone) {
                    // the process ended while we looked
                }
            }
        }
        return pids;
    }

    @Override
    public void close() {
        // nchan.sh stops it
    }
}
