package io.surrogate.cli.loadtest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code surrogate serve} as a child process, so that its resident memory is the edge's alone:
 * started with the given JVM flags, its bound addresses read from the line it prints on
 * standard output, its standard error kept in a log file. Reads the child's
 * {@code /proc/PID/status}, its open files, its {@code /metrics}, and runs {@code jcmd} on it.
 * {@link #close} stops it (SIGTERM, then SIGKILL); a shutdown hook does the same if the
 * measuring program dies first.
 */
public final class EdgeProcess implements AutoCloseable {
    /** {@code surrogate: clients on http://H:P, origin side on http://H:P; Ctrl-C stops} */
    private static final Pattern BOUND = Pattern.compile("clients on http://([^,\\s]+):(\\d+), origin side on http://([^;\\s]+):(\\d+)");
    private static final Pattern STATUS_KB = Pattern.compile("^(\\w+):\\s+(\\d+)(?: kB)?$");
    /** a Prometheus sample: {@code name{labels} value} or {@code name value} */
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?)\\s+(\\S+)$");

    private final Process process;
    private final Path log;
    private final Thread hook;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    public final InetSocketAddress clients;
    public final URI originSide;

    private EdgeProcess(Process process, Path log, Thread hook, InetSocketAddress clients, URI originSide) {
        this.process = process;
        this.log = log;
        this.hook = hook;
        this.clients = clients;
        this.originSide = originSide;
    }

    /** The java command that runs {@code serve}: this JVM's {@code java}, the flags, the CLI jar. */
    public static List<String> command(List<String> jvmFlags, Path jar, Path rules, Path keys, URI origin, String... serveOptions) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        if (jar.toString().endsWith(".jar")) {
            cmd.addAll(List.of("-jar", jar.toString()));
        } else {
            // not run from a jar (tests): the same classes, from this JVM's class path
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.surrogate.cli.SurrogateCommand"));
        }
        cmd.addAll(List.of("serve", "--rules", rules.toString(), "--keys", keys.toString(),
                "--origin", origin.toString(), "--listen", "127.0.0.1:0", "--origin-listen", "127.0.0.1:0"));
        cmd.addAll(List.of(serveOptions));
        return cmd;
    }

    public static EdgeProcess start(List<String> command, Path log, Duration timeout) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p = pb.start();
        Thread hook = new Thread(() -> kill(p), "kill-edge");
        Runtime.getRuntime().addShutdownHook(hook);
        CompletableFuture<Matcher> bound = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    Files.writeString(log, "stdout: " + line + "\n", StandardOpenOption.APPEND);
                    Matcher m = BOUND.matcher(line);
                    if (m.find()) {
                        bound.complete(m);
                    }
                }
            } catch (IOException e) {
                bound.completeExceptionally(e);
            }
            bound.completeExceptionally(new IOException("the edge's standard output ended"));
        }, "edge-stdout");
        reader.setDaemon(true);
        reader.start();
        Matcher m;
        try {
            m = bound.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            kill(p);
            throw new IOException("the edge did not print its addresses within " + timeout.toSeconds() + " s (exit "
                    + (p.isAlive() ? "none" : p.exitValue()) + "); its log " + log + " ends:\n" + tail(log, 20), e);
        }
        InetSocketAddress clients = new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)));
        URI originSide = URI.create("http://" + m.group(3) + ":" + m.group(4));
        return new EdgeProcess(p, log, hook, clients, originSide);
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** The numeric fields of {@code /proc/PID/status}, in kB where the kernel says kB (VmRSS, VmHWM, RssAnon...). */
    public Map<String, Long> status() throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
            Matcher m = STATUS_KB.matcher(line.strip());
            if (m.matches()) {
                out.put(m.group(1), Long.parseLong(m.group(2)));
            }
        }
        return out;
    }

    public int openFiles() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
            return (int) fds.count();
        }
    }

    /** {@code GET /metrics} on the origin side: every sample by its name and labels. */
    public Map<String, Double> metrics() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(originSide.resolve("/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET /metrics answered " + r.statusCode());
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line.strip());
            if (m.matches()) {
                out.put(m.group(1).replace(",}", "}"), Double.parseDouble(m.group(2)));
            }
        }
        return out;
    }

    /** Runs {@code jcmd PID args...} and returns its output; jcmd is this JVM's. */
    public String jcmd(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        cmd.add(Long.toString(pid()));
        cmd.addAll(List.of(args));
        Process j = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = j.getInputStream().readAllBytes();
        if (!j.waitFor(120, TimeUnit.SECONDS) || j.exitValue() != 0) {
            j.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " failed:\n" + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** The first log line that contains {@code text}, or empty. */
    public String logLine(String text) {
        try (Stream<String> lines = Files.lines(log)) {
            return lines.filter(l -> l.contains(text)).findFirst().orElse("");
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    public String logTail(int lines) {
        return tail(log, lines);
    }

    private static String tail(Path log, int n) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static void kill(Process p) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL, as a crash: the edge runs nothing more (no goodbye to its clients, the origin or Redis); returns once it is gone. */
    public void crash() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM (the edge closes its clients and tells the origin), SIGKILL after 20 s. */
    @Override
    public void close() {
        kill(process);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }
}
