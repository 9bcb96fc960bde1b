package io.surrogate.server.reload;

import io.surrogate.server.LogLine;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Watches the rule files' directories and the keyring on a thread of its own and runs a reload
 * once changes settle (editors write a file in several steps). The settle wait is the watch
 * service's own poll timeout, not a clock the edge reads.
 */
final class RulesWatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("surrogate.reload");
    private static final long SETTLE_MILLIS = 250;

    private final WatchService watcher;
    private final Runnable reload;
    private final Thread thread;

    RulesWatcher(List<Path> paths, Path keysDir, Runnable reload) throws IOException {
        this.reload = reload;
        this.watcher = FileSystems.getDefault().newWatchService();
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path p : paths) {
            Path abs = p.toAbsolutePath();
            dirs.add(Files.isDirectory(abs) ? abs : abs.getParent());
        }
        dirs.add(keysDir.toAbsolutePath());
        try {
            for (Path d : dirs) {
                d.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            }
        } catch (IOException e) {
            watcher.close();
            throw e;
        }
        this.thread = new Thread(this::loop, "surrogate-rules-watch");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        try {
            while (true) {
                drain(watcher.take());
                // let the writer finish: keep draining until quiet
                WatchKey more;
                while ((more = watcher.poll(SETTLE_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                    drain(more);
                }
                try {
                    reload.run();
                } catch (RuntimeException | StackOverflowError e) {
                    // whatever a version of the files does, the watcher lives on for the next one
                    LOG.log(Level.SEVERE, LogLine.of("rules-reload-failed").with("watching", "true").toString(), e);
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, LogLine.of("rules-watch-failed").with("reloading", "post-admin-reload-only").toString(), e);
        }
    }

    private static void drain(WatchKey key) {
        key.pollEvents();
        key.reset();
    }

    @Override
    public void close() {
        try {
            watcher.close();
        } catch (IOException e) {
            LOG.fine(() -> LogLine.of("rules-watch-close-failed").with("error", e.getMessage()).toString());
        }
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
