package io.surrogate.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive as an operator gets it: unpacked into an empty directory and run with a
 * Java runtime and a shell, no Maven on the PATH. {@code bin/surrogate demo} serves its page,
 * {@code bin/surrogate serve --config} starts from the example config, and both stop on SIGTERM
 * with the 143 the systemd unit declares a success. Runs in integration-test, after package.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ReleaseArchiveTest {
    private static final Pattern DEMO_URL = Pattern.compile("open (http://127\\.0\\.0\\.1:\\d+/) in a browser");
    private static final Pattern LISTENING = Pattern.compile("clients on http://([^,]+), origin side on http://(\\S+);");

    @TempDir
    static Path tmp;

    private static Path home;
    private static Map<String, String> env;

    @BeforeAll
    static void unpack() throws Exception {
        Path archive = Path.of(System.getProperty("surrogate.archive", "target/missing.tar.gz"));
        assertThat(archive).as("the archive; run 'mvn package' first").isRegularFile();
        Path unpacked = Files.createDirectory(tmp.resolve("unpacked"));
        assertThat(run(List.of("tar", "-xzf", archive.toString(), "-C", unpacked.toString()), tmp, Map.of("PATH", "/usr/bin:/bin")).code())
                .isZero();
        try (Stream<Path> top = Files.list(unpacked)) {
            List<Path> dirs = top.toList();
            assertThat(dirs).as("one top directory").hasSize(1);
            home = dirs.get(0);
        }
        assertThat(home.getFileName().toString()).startsWith("surrogate-");
        // Only what a Java host has: a shell and its basic tools, a JVM; no Maven on the PATH.
        Path path = Files.createDirectory(tmp.resolve("path"));
        for (String tool : List.of("bash", "dirname", "readlink")) {
            Path real = Stream.of("/usr/bin", "/bin").map(d -> Path.of(d, tool)).filter(Files::isExecutable).findFirst().orElseThrow();
            Path wrapper = Files.writeString(path.resolve(tool), "#!/bin/sh\nexec " + real + " \"$@\"\n");
            assertThat(wrapper.toFile().setExecutable(true)).isTrue();
        }
        env = Map.of("PATH", path.toString(), "JAVA_HOME", System.getProperty("java.home"), "HOME", tmp.toString(), "LANG", "C.UTF-8");
    }

    @Test
    void holdsTheLauncherTheJarTheConfigTheUnitTheRulesTheDocsAndTheLicence() throws IOException {
        for (String file : List.of("bin/surrogate", "lib/surrogate.jar", "conf/surrogate.toml", "systemd/surrogate.service", "LICENSE",
                "README.md", "sample-rules/mail/mail.xml", "docs/operations.md", "docs/cli.md")) {
            assertThat(home.resolve(file)).as(file).isRegularFile();
        }
        assertThat(Files.isExecutable(home.resolve("bin/surrogate"))).as("bin/surrogate is executable").isTrue();
        String launcher = Files.readString(home.resolve("bin/surrogate"));
        assertThat(launcher).as("the release's launcher builds nothing").doesNotContain("mvn");

        String unit = Files.readString(home.resolve("systemd/surrogate.service"));
        assertThat(unit).contains("\nSuccessExitStatus=143\n", "\nUser=surrogate\n", "\nRestart=on-failure\n", "\nLimitNOFILE=262144\n",
                "\nExecStart=/opt/surrogate/bin/surrogate serve --config /etc/surrogate/surrogate.toml\n");
    }

    /** The release's launcher starts the JVM as the repository's ./surrogate does. */
    @Test
    void theLauncherGivesTheEdgeTheSameJvmFlagsAsTheRepositorysLauncher() throws IOException {
        Path repository = Path.of(System.getProperty("surrogate.repository", ".."));
        assertThat(edgeFlags(Files.readString(home.resolve("bin/surrogate"))))
                .isEqualTo(edgeFlags(Files.readString(repository.resolve("surrogate"))));
    }

    private static String edgeFlags(String script) {
        Matcher m = Pattern.compile("(?m)^edge_opts=\"([^\"]+)\"$").matcher(script);
        assertThat(m.find()).as("an edge_opts= line").isTrue();
        return m.group(1);
    }

    @Test
    void theZipHoldsTheSameFilesAsTheTarball() throws Exception {
        Path zip = Path.of(System.getProperty("surrogate.zip", "target/missing.zip"));
        TreeSet<String> inZip = new TreeSet<>();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            Collections.list(z.entries()).stream().filter(e -> !e.isDirectory()).forEach(e -> inZip.add(e.getName()));
        }
        TreeSet<String> unpacked = new TreeSet<>();
        try (Stream<Path> all = Files.walk(home)) {
            all.filter(Files::isRegularFile).forEach(p -> unpacked.add(home.getParent().relativize(p).toString()));
        }
        assertThat(inZip).isEqualTo(unpacked);
    }

    @Test
    void demoPrintsItsUrlServesItsPageAndStopsOnSigterm() throws Exception {
        Process demo = start(List.of("demo", "--port", "0"), env);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8));
            String url = null;
            for (String line; url == null && (line = out.readLine()) != null; ) {
                Matcher m = DEMO_URL.matcher(line);
                if (m.find()) {
                    url = m.group(1);
                }
            }
            assertThat(url).as("the demo's URL; stderr:%n%s", stderr("demo")).isNotNull();
            HttpResponse<String> page = get(url);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("<title>Surrogate demo: You've got mail!</title>");
            demo.toHandle().destroy(); // SIGTERM
            assertThat(demo.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(demo.exitValue()).as("128 + SIGTERM").isEqualTo(143);
        } finally {
            demo.destroyForcibly();
        }
    }

    @Test
    void serveRunsFromTheExampleConfig() throws Exception {
        Path keys = tmp.resolve("keys");
        assertThat(run(launcher("keys", "generate", "ywewu238347i3u", "--keys", keys.toString()), home, env).code()).isZero();
        assertThat(run(launcher("keys", "generate", "origin", "--type", "hmac", "--keys", keys.toString()), home, env).code()).isZero();
        Result check = run(launcher("config", "check", "conf/surrogate.toml"), home, env);
        assertThat(check.code()).as(check.out()).isZero();
        assertThat(check.out()).startsWith("conf/surrogate.toml: ok, ");

        // The example names /etc and /var/lib paths; the environment points them here and the
        // command line moves the listeners to free ports: the precedence an operator relies on.
        Map<String, String> serveEnv = new java.util.HashMap<>(env);
        serveEnv.put("SURROGATE_RULES", home.resolve("sample-rules/mail").toString());
        serveEnv.put("SURROGATE_KEYS", keys.toString());
        Process serve = start(List.of("serve", "--config", "conf/surrogate.toml", "--listen", "127.0.0.1:0", "--origin-listen", "127.0.0.1:0"),
                serveEnv);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertThat(line).as("serve's first line; stderr:%n%s", stderr("serve")).isNotNull();
            Matcher m = LISTENING.matcher(line);
            assertThat(m.find()).as(line).isTrue();
            HttpResponse<String> health = get("http://" + m.group(2) + "/healthz");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(stderr("serve")).contains("origin=http://127.0.0.1:8000", "edge=edge-1");
            serve.toHandle().destroy(); // SIGTERM
            assertThat(serve.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(serve.exitValue()).as("128 + SIGTERM").isEqualTo(143);
        } finally {
            serve.destroyForcibly();
        }
    }

    private static List<String> launcher(String... args) {
        List<String> all = new ArrayList<>(List.of(home.resolve("bin/surrogate").toString()));
        all.addAll(List.of(args));
        return all;
    }

    private static Process start(List<String> args, Map<String, String> environment) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(launcher(args.toArray(new String[0]))).directory(home.toFile())
                .redirectError(tmp.resolve(args.get(0) + ".err").toFile());
        pb.environment().clear();
        pb.environment().putAll(environment);
        return pb.start();
    }

    private static String stderr(String command) throws IOException {
        Path f = tmp.resolve(command + ".err");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    record Result(int code, String out) {}

    private static Result run(List<String> command, Path dir, Map<String, String> environment) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(environment);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("%s finishes", command).isTrue();
        return new Result(p.exitValue(), out);
    }

    private static HttpResponse<String> get(String url) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
