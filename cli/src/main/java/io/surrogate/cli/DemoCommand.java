package io.surrogate.cli;

import io.surrogate.server.EdgeServer;
import io.surrogate.server.Logging;
import io.surrogate.server.demo.Demo;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code surrogate demo}: the edge, a sample origin and a page, on loopback. */
@Command(name = "demo",
        description = {"Run the edge with the design's mail rules, a built-in sample origin and a web page, on loopback.",
                "Open the printed URL and watch \"You've got mail!\" arrive in the page's EventSource: on a timer, or at once "
                        + "with 'Send mail now'; open more tabs, or restart the edge from the page. Fresh keys are made in a temporary directory and deleted on exit. Ctrl-C stops."},
        mixinStandardHelpOptions = true,
        footer = {"", "Examples:", "  surrogate demo", "  surrogate demo --port 0 --every 5"})
final class DemoCommand implements Callable<Integer> {
    /** Held strongly: JUL forgets the level of a logger nobody references. */
    private static final Logger ORIGIN_LOG = Logger.getLogger("io.surrogate.server.origin");
    private static final Logger EDGE_LOG = Logger.getLogger("surrogate");

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
            description = "The page's port on 127.0.0.1; 0 picks a free one; if the port is taken, a free one is used (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--tls-port", paramLabel = "PORT", defaultValue = "8443",
            description = "The page's HTTPS port on 127.0.0.1 (a throwaway self-signed certificate; HTTP/2); 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int tlsPort;

    @Option(names = "--every", paramLabel = "SECONDS", defaultValue = "10",
            description = "Seconds between the origin's mail rounds (default: ${DEFAULT-VALUE}).")
    int every;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (every < 1 || port < 0 || port > 65535 || tlsPort < 0 || tlsPort > 65535) {
            spec.commandLine().getErr().println("error: --every must be at least 1 and --port and --tls-port 0 to 65535");
            return SurrogateCommand.EXIT_USAGE;
        }
        Logging.install(Level.INFO, System.err);
        ORIGIN_LOG.setLevel(Level.FINE);
        EDGE_LOG.setLevel(Level.FINE);
        java.util.logging.Logger.getLogger("").getHandlers()[0].setLevel(Level.FINE);
        Demo demo;
        try {
            demo = Demo.start(port, tlsPort, Duration.ofSeconds(every));
        } catch (EdgeServer.StartException e) {
            if (port == 0 && tlsPort == 0) {
                throw e;
            }
            out.println("surrogate demo: port " + port + " or " + tlsPort + " is taken; using free ports instead");
            demo = Demo.start(0, 0, Duration.ofSeconds(every));
        }
        out.println();
        out.println("  Surrogate demo: open " + demo.page() + " in a browser");
        out.println("  or " + demo.securePage() + " (HTTP/2; a self-signed certificate made now for localhost and");
        out.println("  127.0.0.1, SHA-256 " + demo.fingerprint() + ")");
        out.println();
        out.println("  The page's EventSource waits for mail event 2 of user B (the design's example). The edge");
        out.println("  runs sample-rules/mail and sample-rules/inbox, asks the sample origin (" + demo.origin().baseUri() + ")");
        out.println("  to accept the subscription, holds the page's connection over SSE, and forwards \"You've got mail!\"");
        out.println("  when the origin delivers it: every " + every + " s, or at once with 'Send mail now'.");
        out.println("  Metrics: http://" + ServeCommand.hostPort(demo.edge().originAddress()) + "/metrics. Ctrl-C stops.");
        out.println();
        out.flush();
        ServeCommand.awaitShutdown(out, demo);
        return 0;
    }
}
