package io.surrogate.server;

import io.surrogate.engine.CompileResult;
import io.surrogate.engine.RuleCompiler;
import io.surrogate.engine.RuleSet;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.NamedKey;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The rules (and keyring) the edge runs now. A reload compiles on its own thread, off the
 * request path, and swaps the whole generation at once; a version with errors is refused, its
 * diagnostics logged, and the running generation stays. Held connections never look at the
 * rules again, so no reload touches them.
 */
final class LiveRules implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("surrogate.reload");
    /** Editors write a file in several steps: wait this long after the last change. */
    private static final long SETTLE_MILLIS = 250;

    /** One compiled version of the rules and the keys they were compiled with. */
    record Generation(long number, RuleSet rules, Keyring keys, List<NamedKey> originKeys, Instant loadedAt) {}

    /** What a reload did. */
    record Outcome(boolean applied, long generation, String fingerprint, String diagnostics) {}

    /** The rules do not compile. */
    static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        Rejected(String message) {
            super(message);
        }
    }

    private final List<Path> paths;
    private final Path keysDir;
    private final ServerMetrics metrics;
    private final AtomicReference<Generation> current = new AtomicReference<>();
    private WatchService watcher;
    private Thread watchThread;

    LiveRules(List<Path> paths, Path keysDir, ServerMetrics metrics) throws Rejected {
        this.paths = List.copyOf(paths);
        this.keysDir = keysDir;
        this.metrics = metrics;
        current.set(compile(1));
    }

    Generation current() {
        return current.get();
    }

    private Generation compile(long number) throws Rejected {
        Keyring keys;
        try {
            keys = Keyring.open(keysDir);
        } catch (IOException e) {
            throw new Rejected("cannot open the keyring " + keysDir + ": " + e.getMessage());
        }
        CompileResult result = new RuleCompiler(keys).compilePaths(paths);
        if (result instanceof CompileResult.Success ok) {
            if (!ok.diagnostics().isEmpty()) {
                LOG.warning(() -> "event=rules-warnings\n" + result.render());
            }
            List<NamedKey> hmac = new ArrayList<>();
            for (String name : keys.names()) {
                keys.find(name).filter(k -> k.purpose() == KeyPurpose.HMAC).ifPresent(hmac::add);
            }
            return new Generation(number, ok.ruleSet(), keys, List.copyOf(hmac), Instant.now());
        }
        throw new Rejected(result.render());
    }

    /** Compiles the files again; swaps only if they compile. */
    synchronized Outcome reload() {
        Generation running = current.get();
        try {
            Generation next = compile(running.number() + 1);
            if (next.rules().fingerprint().equals(running.rules().fingerprint()) && next.originKeys().size() == running.originKeys().size()
                    && next.keys().names().equals(running.keys().names())) {
                // nothing that matters changed (a touch, a comment): keep the generation, but take the reopened keys
                next = new Generation(running.number(), next.rules(), next.keys(), next.originKeys(), running.loadedAt());
            }
            current.set(next);
            metrics.reload("applied");
            Generation n = next;
            LOG.info(() -> "event=rules-reloaded generation=" + n.number() + " fingerprint=" + n.rules().fingerprint().substring(0, 12));
            return new Outcome(true, next.number(), next.rules().fingerprint(), "");
        } catch (Rejected e) {
            metrics.reload("rejected");
            LOG.warning(() -> "event=rules-rejected generation=" + running.number() + " kept; diagnostics:\n" + e.getMessage());
            return new Outcome(false, running.number(), running.rules().fingerprint(), e.getMessage());
        }
    }

    /** Watches the rule files' directories and the keyring; reloads after changes settle. */
    void watch() throws IOException {
        watcher = FileSystems.getDefault().newWatchService();
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path p : paths) {
            Path abs = p.toAbsolutePath();
            dirs.add(Files.isDirectory(abs) ? abs : abs.getParent());
        }
        dirs.add(keysDir.toAbsolutePath());
        for (Path d : dirs) {
            d.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        }
        watchThread = new Thread(this::watchLoop, "surrogate-rules-watch");
        watchThread.setDaemon(true);
        watchThread.start();
    }

    private void watchLoop() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                drain(key);
                // let the writer finish: keep draining until quiet
                WatchKey more;
                while ((more = watcher.poll(SETTLE_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                    drain(more);
                }
                reload();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "event=rules-watch-failed; hot reload stops", e);
        }
    }

    private static void drain(WatchKey key) {
        key.pollEvents();
        key.reset();
    }

    @Override
    public void close() {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                LOG.fine("closing the watch service: " + e.getMessage());
            }
        }
        if (watchThread != null) {
            watchThread.interrupt();
            try {
                watchThread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
