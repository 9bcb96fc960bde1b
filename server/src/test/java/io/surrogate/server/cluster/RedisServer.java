package io.surrogate.server.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} on a free loopback port, started and stopped by a test (Debian's
 * package; .ci/run installs it). Not persistent ({@code --save "" --appendonly no}): a restart
 * comes back empty, as a Redis that lost its memory does. {@link #cluster} makes a three-node
 * Redis Cluster with {@code redis-cli --cluster create}.
 */
public final class RedisServer implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final boolean clusterNode;
    private Process process;

    private RedisServer(Path dir, int port, boolean clusterNode) {
        this.dir = dir;
        this.port = port;
        this.clusterNode = clusterNode;
    }

    /** Whether redis-server is installed here (tests fail, not skip, without it: CI installs it). */
    public static boolean installed() {
        return Files.isExecutable(Path.of("/usr/bin/redis-server")) || onPath("redis-server");
    }

    private static boolean onPath(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) {
                return true;
            }
        }
        return false;
    }

    /** A single Redis, started. */
    public static RedisServer start() throws IOException {
        RedisServer r = new RedisServer(Files.createTempDirectory("surrogate-redis"), freePort(), false);
        r.startProcess();
        return r;
    }

    /** Three Redis nodes made one Cluster (each a master of a third of the slots), started and ready. */
    public static Cluster cluster() throws IOException {
        List<RedisServer> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                // a cluster node also listens on port + 10000 (its bus): both must be free
                int port;
                do {
                    port = freePort();
                } while (port + 10000 > 65535 || !free(port + 10000));
                RedisServer node = new RedisServer(Files.createTempDirectory("surrogate-redis-cluster"), port, true);
                node.startProcess();
                nodes.add(node);
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            for (RedisServer n : nodes) {
                create.add("127.0.0.1:" + n.port);
            }
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            run(create, "redis-cli --cluster create");
            Cluster c = new Cluster(List.copyOf(nodes));
            c.awaitOk();
            return c;
        } catch (IOException | RuntimeException e) {
            nodes.forEach(RedisServer::close);
            throw e;
        }
    }

    /** Three nodes of one Redis Cluster. */
    public record Cluster(List<RedisServer> nodes) implements AutoCloseable {
        /** The seeds as {@code --redis} takes them: every node, comma-separated. */
        public String seeds() {
            return String.join(",", nodes.stream().map(RedisServer::url).toList());
        }

        public List<URI> uris() {
            return nodes.stream().map(n -> URI.create(n.url())).toList();
        }

        void awaitOk() throws IOException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                boolean ok = true;
                for (RedisServer n : nodes) {
                    ok &= n.cli("cluster", "info").contains("cluster_state:ok");
                }
                if (ok) {
                    return;
                }
                sleep(100);
            }
            throw new IOException("the Redis Cluster did not reach cluster_state:ok within 30 s");
        }

        @Override
        public void close() {
            nodes.forEach(RedisServer::close);
        }
    }

    private void startProcess() throws IOException {
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no"));
        if (clusterNode) {
            cmd.addAll(List.of("--cluster-enabled", "yes", "--cluster-config-file", dir.resolve("nodes.conf").toString(),
                    "--cluster-node-timeout", "2000"));
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + ": " + Files.readString(dir.resolve("redis.log")));
            }
            if (accepts()) {
                if (cli("ping").contains("PONG")) {
                    return;
                }
            }
            sleep(20);
        }
        process.destroyForcibly();
        throw new IOException("redis-server on port " + port + " did not answer PING within 15 s");
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code redis-cli -p PORT args...}, its output. */
    public String cli(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        cmd.addAll(List.of(args));
        return run(cmd, "redis-cli");
    }

    private static String run(List<String> cmd, String what) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(what + " did not finish within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (p.exitValue() != 0) {
            throw new IOException(what + " exited with " + p.exitValue() + ": " + out);
        }
        return out;
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:PORT}. */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public URI uri() {
        return URI.create(url());
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, and waits until it is gone: what a crash looks like. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts it again on the same port, empty. */
    public void restart() throws IOException {
        kill();
        startProcess();
    }

    @Override
    public void close() {
        kill();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
