package io.surrogate.server.reload;

import io.surrogate.engine.CompileResult;
import io.surrogate.engine.RuleCompiler;
import io.surrogate.engine.RuleSet;
import io.surrogate.engine.diag.Diagnostic;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.server.LogLine;
import io.surrogate.server.metrics.ServerMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The rules (and keyring) the edge runs now. A reload compiles on its own thread, off the
 * request path, and swaps the whole generation at once; a version with errors is refused, its
 * diagnostics logged, and the running generation stays. Held connections never look at the
 * rules again, so no reload touches them.
 */
public final class LiveRules implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("surrogate.reload");

    /** One compiled version of the rules and the keys they were compiled with. */
    public record Generation(long number, RuleSet rules, Keyring keys, List<NamedKey> originKeys, Instant loadedAt) {}

    /** What a reload did. */
    public record Outcome(boolean applied, long generation, String fingerprint, String diagnostics) {}

    /** The rules do not compile, or the compiler failed on them. */
    public static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        Rejected(String message) {
            super(message);
        }

        Rejected(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final List<Path> paths;
    private final Path keysDir;
    private final ServerMetrics metrics;
    private final AtomicReference<Generation> current = new AtomicReference<>();
    private final InstantSource clock;
    private RulesWatcher watcher;

    public LiveRules(List<Path> paths, Path keysDir, ServerMetrics metrics, InstantSource clock) throws Rejected {
        this.paths = List.copyOf(paths);
        this.keysDir = keysDir;
        this.metrics = metrics;
        this.clock = clock;
        current.set(compile(1));
    }

    public Generation current() {
        return current.get();
    }

    private Generation compile(long number) throws Rejected {
        Keyring keys;
        try {
            keys = Keyring.open(keysDir);
        } catch (IOException e) {
            throw new Rejected("cannot open the keyring " + keysDir + ": " + e.getMessage());
        }
        CompileResult result;
        try {
            result = new RuleCompiler(keys).compilePaths(paths);
        } catch (RuntimeException | StackOverflowError e) {
            // a compiler bug must cost this version only, never the running rules or the watcher
            LOG.log(Level.SEVERE, LogLine.of("rules-compile-failed").with("generation", number).toString(), e);
            throw new Rejected("the rule compiler failed on these files (" + e.getClass().getSimpleName()
                    + "); the running rules stay; please report it", e);
        }
        if (result instanceof CompileResult.Success ok) {
            logEach(Level.WARNING, "rules-warning", number, ok.diagnostics());
            List<NamedKey> hmac = new ArrayList<>();
            for (String name : keys.names()) {
                keys.find(name).filter(k -> k.purpose() == KeyPurpose.HMAC).ifPresent(hmac::add);
            }
            return new Generation(number, ok.ruleSet(), keys, List.copyOf(hmac), clock.instant());
        }
        logEach(Level.WARNING, "rules-diagnostic", number, result.diagnostics());
        throw new Rejected(result.render());
    }

    /** One line per diagnostic, so that a log search finds each by its code and position. */
    private static void logEach(Level level, String event, long generation, List<Diagnostic> diagnostics) {
        for (Diagnostic d : diagnostics) {
            LOG.log(level, () -> LogLine.of(event).with("generation", generation).with("severity", d.severity().label())
                    .with("code", d.code().toString()).with("at", d.position().toString()).with("message", d.message()).toString());
        }
    }

    /** Compiles the files again; swaps only if they compile. */
    public synchronized Outcome reload() {
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
            LOG.info(() -> LogLine.of("rules-reloaded").with("generation", n.number())
                    .with("fingerprint", n.rules().fingerprint().substring(0, 12)).toString());
            return new Outcome(true, next.number(), next.rules().fingerprint(), "");
        } catch (Rejected e) {
            metrics.reload("rejected");
            LOG.warning(() -> LogLine.of("rules-rejected").with("running-generation", running.number()).with("kept", "true").toString());
            return new Outcome(false, running.number(), running.rules().fingerprint(), e.getMessage());
        }
    }

    /** Watches the rule files' directories and the keyring; reloads after changes settle. */
    public void watch() throws IOException {
        RulesWatcher w = new RulesWatcher(paths, keysDir, this::reload);
        w.start();
        watcher = w;
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
    }
}
