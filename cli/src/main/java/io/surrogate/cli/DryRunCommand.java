package io.surrogate.cli;

import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import com.google.gson.GsonBuilder;
import io.surrogate.engine.CompileResult;
import io.surrogate.engine.Decision;
import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.Evaluation;
import io.surrogate.engine.OriginRequest;
import io.surrogate.engine.RuleCompiler;
import io.surrogate.engine.RuleSet;
import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.Subscriptions;
import io.surrogate.engine.eval.TraceEntry;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.Headers;
import io.surrogate.engine.request.RawHttpRequest;
import io.surrogate.engine.text.Durations;
import io.surrogate.engine.token.KeySource;
import io.surrogate.engine.token.TokenClaims;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code surrogate dry-run}: run the rules on one request without a server and show everything
 * the edge would do: the trace, the variables, the decision, the token's claims, and the exact
 * request to the origin.
 */
@Command(name = "dry-run",
        description = {"Run rules on one request, without a server, and show what the edge would do.",
                "Shows which rules matched and why (and which did not), the variables, the decision, the token's claims "
                        + "and the exact request the edge would send to the origin."},
        mixinStandardHelpOptions = true,
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:the rules ran (whatever they decided)", "1:the rules or the request have errors", "2:bad usage"},
        footer = {"", "The request is a raw HTTP/1.1 file (--request) or a method and URL with curl-like flags.",
                "Without --keys the token and signature use throwaway keys, which the output says.", "",
                "Examples:",
                "  surrogate dry-run --rules sample-rules/mail --request sample-rules/mail/subscribe.http",
                "  surrogate dry-run --rules sample-rules/mail POST http://mail.foo.com/mail/subscribe-event \\",
                "      --cookie user=B -d id=2",
                "  surrogate dry-run --rules rules/ --keys keys --json GET /quotes/BSC"})
final class DryRunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rules", paramLabel = "PATH", required = true, description = "Rule file or directory (repeatable; one rule set).")
    List<Path> rules;

    // Either --request or METHOD URL, checked in call(): an exclusive picocli ArgGroup with a
    // positional reports "Unmatched arguments" when both are given, which names neither.
    @Option(names = "--request", paramLabel = "FILE", description = "A raw HTTP/1.1 request: request line, headers, blank line, body.")
    Path requestFile;

    @Parameters(paramLabel = "METHOD URL", arity = "0..2", description = "Method and URL (absolute, or a path with -H 'Host: ...').")
    List<String> methodAndUrl = new ArrayList<>();

    @Option(names = {"-H", "--header"}, paramLabel = "'NAME: VALUE'", description = "A request header (repeatable).")
    List<String> headers = new ArrayList<>();

    @Option(names = {"-d", "--data"}, paramLabel = "BODY", description = "The body; sets Content-Type: application/x-www-form-urlencoded unless given.")
    String data;

    @Option(names = {"-b", "--cookie"}, paramLabel = "NAME=VALUE", description = "A cookie (repeatable).")
    List<String> cookies = new ArrayList<>();

    @Option(names = "--client", paramLabel = "IP:PORT", defaultValue = "127.0.0.1:62471", description = "The client's address (default: ${DEFAULT-VALUE}).")
    String client;

    @Option(names = "--keys", paramLabel = "DIR", description = "Keyring directory; without it throwaway keys are used.")
    Path keys;

    @Option(names = "--edge-id", paramLabel = "ID", defaultValue = "edge-1", description = "This edge's id, put in tokens (default: ${DEFAULT-VALUE}).")
    String edgeId;

    @Option(names = "--edge-address", paramLabel = "HOST:PORT", defaultValue = ServeCommand.DEFAULT_ORIGIN_LISTEN,
            description = "This edge's origin-side address, put in tokens: what serve's tokens name by default (default: ${DEFAULT-VALUE}).")
    String edgeAddress;

    @Option(names = "--now", paramLabel = "INSTANT", description = "The time to evaluate at, ISO-8601 (default: now).")
    String now;

    @Option(names = "--json", description = "One JSON document on stdout instead of text.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String usage = requestUsage();
        if (usage != null) {
            err.println("error: " + usage);
            err.println("try 'surrogate dry-run --help'");
            return SurrogateCommand.EXIT_USAGE;
        }
        InstantSource clock;
        try {
            clock = now == null ? InstantSource.system() : InstantSource.fixed(Instant.parse(now));
        } catch (DateTimeParseException e) {
            err.println("error: --now '" + now + "' is not an ISO-8601 instant such as 2026-11-29T12:00:00Z");
            return SurrogateCommand.EXIT_USAGE;
        }
        InetAddress clientAddress;
        int clientPort;
        try {
            HostAndPort hp = HostAndPort.fromString(client);
            clientAddress = InetAddresses.forString(hp.getHost());
            clientPort = hp.getPortOrDefault(62471);
        } catch (IllegalArgumentException e) {
            err.println("error: --client '" + client + "' is not IP:PORT");
            return SurrogateCommand.EXIT_USAGE;
        }
        for (Path p : rules) {
            if (!Files.exists(p)) {
                err.println("error: no such file or directory: " + p);
                return SurrogateCommand.EXIT_USAGE;
            }
            String notOne = RuleSetLoader.notOneRuleSet(p, "dry-run");
            if (notOne != null) {
                err.println("error: " + notOne);
                return SurrogateCommand.EXIT_USAGE;
            }
        }
        EdgeRequest request;
        try {
            request = request(clientAddress, clientPort);
        } catch (NoSuchFileException e) {
            err.println("error: no such request file: " + e.getFile());
            return SurrogateCommand.EXIT_USAGE;
        } catch (RawHttpRequest.FormatException e) {
            err.println("error: " + requestFile + ": " + e.getMessage());
            return SurrogateCommand.EXIT_ERRORS;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return SurrogateCommand.EXIT_USAGE;
        }
        KeySource keySource;
        try {
            keySource = RuleSetLoader.keys(keys);
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return SurrogateCommand.EXIT_USAGE;
        }
        List<Path> files = RuleCompiler.expand(rules);
        CompileResult result = new RuleCompiler(keySource).compilePaths(files);
        if (!(result instanceof CompileResult.Success success)) {
            err.print(result.render());
            err.println("error: the rules do not compile; nothing was run");
            return SurrogateCommand.EXIT_ERRORS;
        }
        RuleSet ruleSet = success.ruleSet();
        EdgeEnvironment env = new EdgeEnvironment(edgeId, edgeAddress, clock);
        Evaluation evaluation = ruleSet.trace(request, env);
        Decision decision = evaluation.decision();
        Subscriptions.Minted minted = null;
        OriginRequest originRequest = null;
        if (decision.outcome() instanceof Decision.Subscribe s) {
            minted = Subscriptions.mint(s.plan(), request, env);
            originRequest = Subscriptions.subscribe(s.plan(), request, minted.token(), env);
        }
        if (json) {
            out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create()
                    .toJson(jsonReport(files, ruleSet, request, evaluation, minted, originRequest)));
        } else {
            textReport(out, files, ruleSet, request, evaluation, minted, originRequest, success);
        }
        out.flush();
        return 0;
    }

    /** What is wrong with how the request is given, or null. */
    private String requestUsage() {
        if (requestFile != null && !methodAndUrl.isEmpty()) {
            return "give the request either as --request FILE or as METHOD URL, not both";
        }
        if (requestFile == null && methodAndUrl.size() != 2) {
            return methodAndUrl.isEmpty() ? "no request: give --request FILE or METHOD URL"
                    : "METHOD URL needs both a method and a URL, e.g. GET http://mail.foo.com/mail/subscribe-event";
        }
        if (requestFile != null && (!headers.isEmpty() || data != null || !cookies.isEmpty())) {
            return "-H, -d and --cookie go with METHOD URL; a --request file carries its own headers and body";
        }
        return null;
    }

    private EdgeRequest request(InetAddress clientAddress, int clientPort) throws IOException, RawHttpRequest.FormatException {
        if (requestFile != null) {
            return RawHttpRequest.parse(Files.readAllBytes(requestFile), clientAddress, clientPort);
        }
        String method = methodAndUrl.get(0);
        String url = methodAndUrl.get(1);
        if (!method.matches("[A-Za-z]+")) {
            throw new IllegalArgumentException("'" + method + "' is not an HTTP method");
        }
        if (!url.startsWith("/") && !url.startsWith("http://") && !url.startsWith("https://")) {
            throw new IllegalArgumentException("'" + url + "' is neither an absolute URL nor a path starting with '/'");
        }
        Headers.Builder h = Headers.builder();
        boolean contentType = false;
        for (String header : headers) {
            int colon = header.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("header '" + header + "' is not 'Name: value'");
            }
            String name = header.substring(0, colon).trim();
            contentType |= name.equalsIgnoreCase("Content-Type");
            h.add(name, header.substring(colon + 1).trim());
        }
        if (!cookies.isEmpty()) {
            h.add("Cookie", String.join("; ", cookies));
        }
        byte[] body = data == null ? new byte[0] : data.getBytes(StandardCharsets.UTF_8);
        if (data != null && !contentType) {
            h.add("Content-Type", "application/x-www-form-urlencoded");
        }
        return RawHttpRequest.build(method, url, h.build(), body, clientAddress, clientPort);
    }

    private void textReport(PrintWriter out, List<Path> files, RuleSet ruleSet, EdgeRequest request, Evaluation evaluation,
            Subscriptions.Minted minted, OriginRequest originRequest, CompileResult.Success compiled) {
        out.println("rules      " + String.join(", ", files.stream().map(Path::toString).toList())
                + "  (fingerprint " + ruleSet.fingerprint().substring(0, 16) + ")");
        if (!compiled.diagnostics().isEmpty()) {
            out.println("           " + ValidateCommand.plural(compiled.diagnostics().size(), "warning") + "; see 'surrogate validate'");
        }
        out.println("request    " + request.method() + " " + request.path() + (request.rawQuery().isEmpty() ? "" : "?" + request.rawQuery())
                + "  (host '" + request.host() + "', client " + request.clientAddress().getHostAddress() + ":" + request.clientPort() + ")");
        out.println("keys       " + (keys == null ? "throwaway (no --keys): the token and signature below are for show" : keys.toString()));
        out.println();
        out.println("trace");
        List<TraceEntry> entries = evaluation.trace().orElseThrow().entries();
        if (entries.isEmpty()) {
            out.println("  (the rule set has no statements)");
        }
        for (TraceEntry e : entries) {
            String mark = switch (e.result()) {
                case MATCHED -> "+";
                case NOT_MATCHED -> "-";
                case FAILED -> "!";
                default -> "*";
            };
            out.println("  " + "  ".repeat(e.depth()) + mark + " " + e.statement());
            out.println("  " + "  ".repeat(e.depth()) + "    " + e.result().label() + (e.detail() == null ? "" : ": " + e.detail()));
        }
        out.println();
        Map<String, String> variables = evaluation.variables();
        out.println("variables" + (variables.isEmpty() ? "  (none set)" : ""));
        int width = variables.keySet().stream().mapToInt(String::length).max().orElse(0);
        variables.forEach((k, v) -> out.println("  " + k + " ".repeat(width - k.length()) + " = \"" + v + "\""));
        out.println();
        Decision decision = evaluation.decision();
        out.println("decision   " + describe(decision.outcome()));
        for (Decision.HeaderField h : decision.responseHeaders()) {
            out.println("           response header " + h.name() + ": " + h.value());
        }
        for (Decision.RateLimit r : decision.rateLimits()) {
            out.println("           rate limit '" + r.key() + "': " + r.limit() + " per " + Durations.format(r.window()) + ", else " + r.status());
        }
        if (minted != null) {
            TokenClaims c = minted.claims();
            out.println();
            out.println("token      X-Event-Token, key '" + ((Decision.Subscribe) decision.outcome()).plan().settings().tokenKey().name() + "', AES-256-GCM");
            Reports.claims(out, c);
            out.println();
            SubscriptionPlan plan = ((Decision.Subscribe) decision.outcome()).plan();
            out.println("origin request  (to " + plan.settings().origin().orElse("the origin given to 'surrogate serve --origin'") + ")");
            for (String line : originRequest.render().stripTrailing().split("\r\n")) {
                out.println("  " + line);
            }
        }
    }

    /** A token's user as text: a rule without <user> subscribes no one in particular (a fan-out). */
    static String userOf(String user) {
        return user.isEmpty() ? "(none)" : user;
    }

    static String describe(Decision.Outcome outcome) {
        if (outcome instanceof Decision.Subscribe s) {
            SubscriptionPlan p = s.plan();
            return "subscribe " + (p.user().isEmpty() ? "(no user)" : "user '" + p.user() + "'") + " to event '" + p.eventId() + "' (" + p.settings().type().label() + ", transport "
                    + p.settings().transport().label() + ", heartbeat " + Durations.format(p.settings().heartbeat()) + ") by " + p.rule();
        }
        if (outcome instanceof Decision.Respond r) {
            return "respond " + r.status() + (r.body().isEmpty() ? "" : " '" + r.body().strip() + "'") + " by " + r.rule();
        }
        return "no rule decided anything: the server answers 404";
    }

    private Map<String, Object> jsonReport(List<Path> files, RuleSet ruleSet, EdgeRequest request, Evaluation evaluation,
            Subscriptions.Minted minted, OriginRequest originRequest) {
        Map<String, Object> doc = new LinkedHashMap<>();
        // LinkedHashMap, not Map.of, everywhere: Map.of's iteration order changes from run to run
        Map<String, Object> rules = new LinkedHashMap<>();
        rules.put("files", files.stream().map(Path::toString).toList());
        rules.put("fingerprint", ruleSet.fingerprint());
        doc.put("rules", rules);
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("method", request.method());
        req.put("path", request.path());
        req.put("query", request.rawQuery());
        req.put("host", request.host());
        req.put("client", request.clientAddress().getHostAddress() + ":" + request.clientPort());
        doc.put("request", req);
        doc.put("throwawayKeys", keys == null);
        List<Map<String, Object>> trace = new ArrayList<>();
        for (TraceEntry e : evaluation.trace().orElseThrow().entries()) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("depth", e.depth());
            t.put("statement", e.statement());
            t.put("result", e.result().name().toLowerCase(java.util.Locale.ROOT));
            t.put("detail", e.detail());
            trace.add(t);
        }
        doc.put("trace", trace);
        doc.put("variables", evaluation.variables());
        Map<String, Object> decision = new LinkedHashMap<>();
        Decision.Outcome o = evaluation.decision().outcome();
        if (o instanceof Decision.Subscribe s) {
            SubscriptionPlan p = s.plan();
            decision.put("type", "subscribe");
            decision.put("user", p.user());
            decision.put("eventId", p.eventId());
            decision.put("customerCode", p.customerCode());
            decision.put("subscriptionType", p.settings().type().label());
            decision.put("transport", p.settings().transport().label());
            decision.put("heartbeat", Durations.format(p.settings().heartbeat()));
            decision.put("origin", p.settings().origin().orElse(null));
            decision.put("rule", p.rule());
        } else if (o instanceof Decision.Respond r) {
            decision.put("type", "respond");
            decision.put("status", r.status());
            decision.put("contentType", r.contentType());
            decision.put("body", r.body());
            decision.put("rule", r.rule());
        } else {
            decision.put("type", "no-match");
            decision.put("status", 404);
        }
        decision.put("responseHeaders", evaluation.decision().responseHeaders().stream().map(h -> List.of(h.name(), h.value())).toList());
        decision.put("rateLimits", evaluation.decision().rateLimits().stream().map(r -> {
            Map<String, Object> limit = new LinkedHashMap<>();
            limit.put("key", r.key());
            limit.put("limit", r.limit());
            limit.put("per", Durations.format(r.window()));
            limit.put("status", r.status());
            return limit;
        }).toList());
        doc.put("decision", decision);
        if (minted != null) {
            Map<String, Object> token = new LinkedHashMap<>();
            TokenClaims c = minted.claims();
            token.put("value", minted.token());
            token.put("edge", c.edgeId());
            token.put("edgeAddress", c.edgeAddress());
            token.put("customer", c.customer());
            token.put("user", c.user());
            token.put("event", c.event());
            token.put("type", c.type());
            token.put("nonce", c.nonce());
            token.put("issuedAt", c.issuedAt());
            token.put("expiresAt", c.expiresAt());
            doc.put("token", token);
            Map<String, Object> origin = new LinkedHashMap<>();
            origin.put("method", originRequest.method());
            origin.put("path", originRequest.path());
            origin.put("headers", originRequest.headers().stream().map(h -> List.of(h.name(), h.value())).toList());
            origin.put("body", new String(originRequest.body(), StandardCharsets.UTF_8));
            doc.put("originRequest", origin);
        }
        return doc;
    }
}
