package io.surrogate.server.subscribe;

import io.surrogate.engine.Decision;
import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.OriginRequest;
import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.SubscriptionSettings;
import io.surrogate.engine.SubscriptionType;
import io.surrogate.engine.Subscriptions;
import io.surrogate.engine.TransientFailure;
import io.surrogate.engine.Transport;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.text.Escaping;
import io.surrogate.server.LogLine;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.time.Scheduler;
import io.surrogate.server.transport.CloseWatcher;
import io.surrogate.server.transport.EventFrame;
import io.surrogate.server.transport.FailureAnswer;
import io.surrogate.server.transport.HeldResponse;
import io.surrogate.server.transport.Transports;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.StatusCodes;
import java.net.URI;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import io.surrogate.server.transport.ConnectionState;

import static io.surrogate.server.transport.Responses.headers;
import static io.surrogate.server.transport.Responses.text;

/**
 * What a subscribing request goes through once the rules said "subscribe": a resume without
 * the origin when its {@code Last-Event-ID} names a client of a subscription that waits for it;
 * a join, without the origin, of the subscription another client of the same user and event
 * has on this edge (up to the rule's {@code <max-clients>}); otherwise the origin's call
 * ({@code /subscribe-event}, not blocking the IO thread), its answer, and on {@code 202} the
 * hold (or the attachment to a multiplexed stream). Whatever fails after the origin's answer,
 * the client's exchange is ended.
 *
 * <p>With several edges on Redis (issue 13), a {@code Last-Event-ID} whose handle this edge
 * does not know may be a client of a subscription that another edge held: it is taken over
 * here from its shared record and history, without the origin, or the client is told
 * {@code history-lost} and subscribes afresh. The Redis reads answer later; the client's
 * exchange waits for them dispatched, as it waits for the origin.
 */
public final class SubscribeFlow {
    private static final Logger LOG = Logger.getLogger("surrogate.client");
    private static final HttpString LAST_EVENT_ID = new HttpString("Last-Event-ID");
    private static final HttpString X_EVENT_STREAM = new HttpString("X-Event-Stream");
    /** the SSE event a client gets when another edge's subscription cannot be taken over with what it missed */
    public static final String HISTORY_LOST = "history-lost";
    /** what a client that joins an accepted subscription is held with, as if the origin had answered it */
    private static final OriginAnswer ACCEPTED = new OriginAnswer(202, null, null, null);

    private final SubscriptionRegistry registry;
    private final OriginCalls origin;
    private final ServerMetrics metrics;
    private final Scheduler scheduler;
    private final InstantSource clock;
    /** with several edges on Redis, how a client of another edge's subscription is taken over; null for an edge alone */
    private final TakeOver takeOver;

    public SubscribeFlow(SubscriptionRegistry registry, OriginCalls origin, ServerMetrics metrics, Scheduler scheduler,
            InstantSource clock) {
        this(registry, origin, metrics, scheduler, clock, null);
    }

    /** @param takeOver with several edges on Redis, the shared records and history; null for an edge alone */
    public SubscribeFlow(SubscriptionRegistry registry, OriginCalls origin, ServerMetrics metrics, Scheduler scheduler,
            InstantSource clock, TakeOver takeOver) {
        this.registry = registry;
        this.origin = origin;
        this.metrics = metrics;
        this.scheduler = scheduler;
        this.clock = clock;
        this.takeOver = takeOver;
    }

    /**
     * A client's {@code Last-Event-ID} as the edge writes it: {@code HANDLE-SEQ}, and with
     * several edges {@code HANDLE-SEQ.P}, P the last event's history position (0: none given).
     */
    record LastId(long handle, String handleHex, long seq, long position) {
        static LastId parse(String text) {
            // strict: 16 lowercase hex digits, '-', up to 19 ASCII digits, optionally '.' and up to 19 more
            // (Long's parsers would take a '+' or other scripts' digits, and a client chooses this text)
            if (text == null || text.length() > 56 || text.indexOf('-') != 16 || !digits(text, 0, 16, 16)) {
                return null;
            }
            int dot = text.indexOf('.', 17);
            int seqEnd = dot < 0 ? text.length() : dot;
            if (!digits(text, 17, seqEnd, 10) || seqEnd - 17 > 19 || dot >= 0 && (!digits(text, dot + 1, text.length(), 10)
                    || text.length() - dot - 1 > 19)) {
                return null;
            }
            try {
                long seq = Long.parseLong(text, 17, seqEnd, 10);
                long position = dot < 0 ? 0 : Long.parseLong(text, dot + 1, text.length(), 10);
                return new LastId(Long.parseUnsignedLong(text, 0, 16, 16), text.substring(0, 16), seq, position);
            } catch (NumberFormatException e) {
                return null; // more than fits a long
            }
        }

        /** Whether {@code text[from, to)} is not empty and all ASCII digits of {@code radix} (lowercase hex for 16). */
        private static boolean digits(String text, int from, int to, int radix) {
            if (from >= to) {
                return false;
            }
            for (int i = from; i < to; i++) {
                char c = text.charAt(i);
                if (!(c >= '0' && c <= '9' || radix == 16 && c >= 'a' && c <= 'f')) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * A client that comes back with its Last-Event-ID while its subscription waits for it: held
     * again, no origin round trip. The id's handle names the client, so a client whose old
     * response the edge still holds takes its place (the old one is closed) and is not counted
     * twice; the events after the id come from the subscription's buffer, shared by its clients.
     */
    public boolean resume(HttpServerExchange exchange, SubscriptionPlan plan, List<Decision.HeaderField> responseHeaders) {
        LastId last = LastId.parse(exchange.getRequestHeaders().getFirst(LAST_EVENT_ID));
        if (last == null) {
            return false;
        }
        long after = last.seq();
        Subscription.Client client = registry.byHandle(last.handle());
        if (client == null) {
            return false;
        }
        Subscription sub = client.subscription();
        if (!sub.sameAs(plan) || sub.ended() || sub.expiredAt(clock.millis() / 1000)) {
            return false;
        }
        long from = Math.max(0, Math.min(after, sub.lastSeq()));
        if (sub.spent() && from >= sub.lastSeq()) {
            return false; // it had the one-shot event: it subscribes again
        }
        metrics.subscribe("resumed");
        registry.hold(exchange, client, transport(exchange, plan), responseHeaders, from,
                plan.settings().type() == SubscriptionType.STREAM, null);
        return true;
    }

    /**
     * Joins the subscription of the same user and event if this edge has one (no origin round
     * trip; if its origin call is still out, this client waits for that same answer); otherwise
     * asks the origin, and on its 202 the client, and any that joined meanwhile, are held (or
     * attached to their stream).
     */
    public void subscribe(HttpServerExchange exchange, EdgeRequest request, SubscriptionPlan plan,
            List<Decision.HeaderField> responseHeaders, EdgeEnvironment environment) {
        if (takeOver != null && exchange.getRequestHeaders().getFirst(X_EVENT_STREAM) == null) {
            LastId last = LastId.parse(exchange.getRequestHeaders().getFirst(LAST_EVENT_ID));
            if (last != null && last.handle() != 0 && registry.byHandle(last.handle()) == null) {
                takeOver(exchange, request, plan, responseHeaders, environment, last);
                return;
            }
        }
        fresh(exchange, request, plan, responseHeaders, environment, null);
    }

    /**
     * Issue 13: the client of a subscription that another edge held (its handle is unknown
     * here). Its shared record is read (Redis, not on the IO thread); if it names this user's
     * same subscription and its token is valid, it is held here with the origin's token as it
     * is (no origin round trip), then the history after the client's last position is read and
     * sent, each event with a new number and its own position. Otherwise (no record, another
     * subscription, token expired, history lost, Redis failed) the client gets one
     * {@code history-lost} event and a fresh subscription.
     */
    private void takeOver(HttpServerExchange exchange, EdgeRequest request, SubscriptionPlan plan,
            List<Decision.HeaderField> responseHeaders, EdgeEnvironment environment, LastId last) {
        String eventKey = SubscriptionRegistry.eventKey(plan.settings().originKey().name(), Escaping.headerValue(plan.eventId()));
        takeOver.find(last.handleHex()).whenComplete((found, error) -> exchange.getIoThread().execute(() -> {
            String lost = error != null ? "unavailable" : lostBecause(found.orElse(null), plan, eventKey, last);
            if (lost != null) {
                if (error != null) {
                    LOG.warning(() -> LogLine.of("take-over-failed").with("reason", error.toString()).toString());
                }
                lost(exchange, request, plan, responseHeaders, environment, lost);
                return;
            }
            TakeOver.Shared shared = found.get();
            Subscription.Client client;
            try {
                client = registry.takeOver(shared, plan, last.handle(), last.seq(), last.position());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, LogLine.of("take-over-failed").with("reason", "edge-error").toString(), e);
                lost(exchange, request, plan, responseHeaders, environment, "unavailable");
                return;
            }
            if (client == null) {
                lost(exchange, request, plan, responseHeaders, environment, "in-use");
                return;
            }
            long from = last.position() != 0 ? last.position() : shared.first();
            takeOver.after(shared, from).whenComplete((missed, readError) -> exchange.getIoThread().execute(() ->
                    takenOver(exchange, request, plan, responseHeaders, environment, client, last.seq(),
                            readError != null ? new TakeOver.Lost("unavailable") : missed)));
        }));
    }

    /** Why {@code shared} cannot be taken over for a client that last saw {@code last}; null when it can. */
    private String lostBecause(TakeOver.Shared shared, SubscriptionPlan plan, String eventKey, LastId last) {
        if (shared == null || !shared.eventKey().equals(eventKey) || !shared.customer().equals(plan.customerCode())
                || !shared.user().equals(plan.user()) || !shared.event().equals(plan.eventId())
                || !shared.type().equals(plan.settings().type().label())
                || !shared.originKey().equals(plan.settings().originKey().name())) {
            return "unknown"; // the same answer for another user's subscription as for none: nothing is told about it
        }
        if (clock.millis() / 1000 >= shared.expiresAt()) {
            return "expired";
        }
        if (last.position() == 0 && last.seq() > 0) {
            return "unplaced"; // it saw events the history did not keep
        }
        if (last.position() != 0 && last.position() < shared.first()) {
            return "before-history";
        }
        return null;
    }

    /** The subscription is held here now; its history is read: sent, or lost (then it ends, and the client subscribes afresh). */
    private void takenOver(HttpServerExchange exchange, EdgeRequest request, SubscriptionPlan plan,
            List<Decision.HeaderField> responseHeaders, EdgeEnvironment environment, Subscription.Client client, long seq,
            TakeOver.Missed missed) {
        Subscription sub = client.subscription();
        try {
            if (missed instanceof TakeOver.Lost l) {
                registry.endAndTell(sub, "history-lost");
                lost(exchange, request, plan, responseHeaders, environment, l.reason());
                return;
            }
            if (!exchange.getConnection().isOpen()) {
                metrics.subscribe("client-gone");
                registry.decline(client, "client-gone-before-hold");
                return;
            }
            metrics.subscribe("taken-over");
            LOG.fine(() -> sub.logLine("taken-over").with("missed", ((TakeOver.Events) missed).frames().size()).toString());
            registry.hold(exchange, client, transport(exchange, plan), responseHeaders, seq,
                    plan.settings().type() == SubscriptionType.STREAM, null);
            // events delivered here since the take-over are in its buffer: the subscription takes no position twice
            for (EventFrame frame : ((TakeOver.Events) missed).frames()) {
                registry.deliver(sub, frame);
            }
        } catch (RuntimeException e) {
            failed(exchange, sub, ACCEPTED, e);
        }
    }

    /** What a client that could not be taken over gets: {@code history-lost} (SSE), then a fresh subscription. */
    private void lost(HttpServerExchange exchange, EdgeRequest request, SubscriptionPlan plan,
            List<Decision.HeaderField> responseHeaders, EdgeEnvironment environment, String reason) {
        metrics.subscribe("history-lost");
        LOG.fine(() -> LogLine.of("history-lost").with("reason", reason).with("event-id", plan.eventId()).toString());
        try {
            fresh(exchange, request, plan, responseHeaders, environment,
                    new SubscriptionRegistry.Notice(HISTORY_LOST, "{\"reason\":\"" + reason + "\"}"));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, LogLine.of("subscribe-failed").with("reason", "edge-error").toString(), e);
            if (!exchange.isResponseStarted()) {
                text(exchange, StatusCodes.INTERNAL_SERVER_ERROR, "the edge failed on this request\n");
            } else {
                exchange.endExchange();
            }
        }
    }

    /** A subscription without a resume: joined, or asked of the origin; held with {@code notice} first (null: none). */
    private void fresh(HttpServerExchange exchange, EdgeRequest request, SubscriptionPlan plan,
            List<Decision.HeaderField> responseHeaders, EdgeEnvironment environment, SubscriptionRegistry.Notice notice) {
        SubscriptionSettings settings = plan.settings();
        HeldResponse<Subscription.Client> stream = null;
        String streamHeader = exchange.getRequestHeaders().getFirst(X_EVENT_STREAM);
        if (streamHeader != null) {
            boolean streamType = settings.type() == SubscriptionType.STREAM;
            stream = streamType ? registry.stream(parseHex(streamHeader)) : null;
            if (stream == null) {
                metrics.subscribe("no-stream");
                text(exchange, StatusCodes.CONFLICT, streamType ? "no such stream on this edge; open a new one\n"
                        : "this subscription cannot be multiplexed (its type is not stream)\n");
                return;
            }
        }
        HeldResponse<Subscription.Client> multiplexOnto = stream;
        String eventKey = SubscriptionRegistry.eventKey(settings.originKey().name(), Escaping.headerValue(plan.eventId()));
        SubscriptionRegistry.Waiter waiter = (client, answer, error) ->
                onAnswer(exchange, client, answer, error, responseHeaders, multiplexOnto, notice);
        // a subscription registered by another client between the look-up and the registration is joined on the next turn
        for (int turn = 0; turn < 4; turn++) {
            SubscriptionRegistry.Place place = registry.join(plan, eventKey, waiter);
            if (place instanceof SubscriptionRegistry.Full full) {
                overCap(exchange, plan, full.max(), responseHeaders, multiplexOnto);
                return;
            }
            if (place instanceof SubscriptionRegistry.Seat seat) {
                if (seat.waiting()) {
                    // a client that leaves while the origin decides closes its connection now, so answered() holds nothing for it
                    CloseWatcher.watch(exchange, () -> false, reason -> ConnectionState.abort(exchange));
                } else {
                    onAnswer(exchange, seat.client(), ACCEPTED, null, responseHeaders, multiplexOnto, notice);
                }
                return;
            }
            if (ask(exchange, request, plan, responseHeaders, environment, eventKey, multiplexOnto, notice)) {
                return;
            }
        }
        metrics.subscribe("edge-busy");
        fail(exchange, plan, FailureAnswer.Failure.of(StatusCodes.SERVICE_UNAVAILABLE, "edge-busy",
                "the subscriptions of this user and event changed too fast; retry").retryAfter(1), responseHeaders, multiplexOnto);
    }

    /** Registers a new subscription and asks the origin; false when another client of the same user and event registered first. */
    private boolean ask(HttpServerExchange exchange, EdgeRequest request, SubscriptionPlan plan, List<Decision.HeaderField> responseHeaders,
            EdgeEnvironment environment, String eventKey, HeldResponse<Subscription.Client> multiplexOnto,
            SubscriptionRegistry.Notice notice) {
        SubscriptionSettings settings = plan.settings();
        Subscriptions.Minted minted = Subscriptions.mint(plan, request, environment);
        OriginRequest call = Subscriptions.subscribe(plan, request, minted.token(), environment);
        Optional<URI> target = origin.target(call);
        if (target.isEmpty()) {
            metrics.subscribe("no-origin");
            LOG.warning(() -> LogLine.of("subscribe-failed").with("reason", "no-origin").with("rule", plan.rule()).toString());
            fail(exchange, plan, FailureAnswer.Failure.of(StatusCodes.BAD_GATEWAY, "no-origin", "no origin is configured for this rule"),
                    responseHeaders, multiplexOnto);
            return true;
        }
        // Registered before the origin is asked: an origin may deliver right after its 202, before
        // the edge has read the 202; such an event waits in the subscription for its client.
        Subscription.Client first = registry.register(minted.token(), minted.claims().expiresAt(), plan,
                request.headers().first("Host"), eventKey);
        if (first == null) {
            return false;
        }
        Subscription sub = first.subscription();
        // a client that leaves while the origin decides closes its connection now, so answered() holds nothing for it
        CloseWatcher.watch(exchange, () -> false, reason -> ConnectionState.abort(exchange));
        long started = scheduler.nanoTime();
        try {
            origin.send(target.get(), call, () -> Subscriptions.subscribe(plan, request, minted.token(), environment),
                    settings.originTimeout()).whenComplete((answer, error) -> {
                metrics.originLatency(true).record(scheduler.nanoTime() - started, TimeUnit.NANOSECONDS);
                try {
                    registry.answered(sub, answer, error); // the clients that joined meanwhile are told the same answer
                } finally {
                    onAnswer(exchange, first, answer, error, responseHeaders, multiplexOnto, notice);
                }
            });
        } catch (RuntimeException e) {
            registry.answered(sub, null, e);
            failed(exchange, sub, null, e);
        }
        return true;
    }

    /** The origin's answer for one client (the one that asked, or one that joined meanwhile), handled on its IO thread. */
    private void onAnswer(HttpServerExchange exchange, Subscription.Client client, OriginAnswer answer, Throwable error,
            List<Decision.HeaderField> responseHeaders, HeldResponse<Subscription.Client> stream, SubscriptionRegistry.Notice notice) {
        Subscription sub = client.subscription();
        exchange.getIoThread().execute(() -> {
            try {
                if (error != null) {
                    throw new IllegalStateException("the origin call failed", error);
                }
                answered(exchange, sub, answer, responseHeaders, stream, client, notice);
            } catch (RuntimeException e) {
                failed(exchange, sub, answer, e);
            }
        });
    }

    /**
     * The answer to a client over its rule's {@code <max-clients>}: {@code 429} with
     * {@code Retry-After} (one heartbeat, when a client that left has lost its place). The one
     * place that says it, so the SSE form of failures can take it over.
     */
    /** Over the rule's {@code <max-clients>}: transient (a client that leaves frees its place), so an EventSource comes back. */
    private void overCap(HttpServerExchange exchange, SubscriptionPlan plan, int max, List<Decision.HeaderField> responseHeaders,
            HeldResponse<Subscription.Client> stream) {
        metrics.subscribe("over-cap");
        LOG.info(() -> LogLine.of("subscribe-refused").with("reason", "max-clients").with("max-clients", max)
                .with("event-id", plan.eventId()).toString());
        fail(exchange, plan, FailureAnswer.Failure.of(StatusCodes.TOO_MANY_REQUESTS, "over-cap",
                "too many clients of this user wait for this event on this edge (max-clients " + max + ")")
                .retryAfter(Math.max(1, plan.settings().heartbeat().toSeconds())), responseHeaders, stream);
    }

    /** Every failure of a subscribe goes out here: a retrying event stream for an EventSource when transient, else its status. */
    private static void fail(HttpServerExchange exchange, SubscriptionPlan plan, FailureAnswer.Failure failure,
            List<Decision.HeaderField> responseHeaders, HeldResponse<Subscription.Client> stream) {
        SubscriptionSettings settings = plan.settings();
        // a request to attach to a stream is no EventSource: its failures are plain statuses
        TransientFailure policy = stream == null ? settings.transientFailure()
                : new TransientFailure(TransientFailure.Answer.STATUS, settings.transientFailure().retryMin(), settings.transientFailure().retryMax());
        FailureAnswer.send(exchange, failure, settings.transport(), policy, responseHeaders);
    }

    /** Something threw after the origin was asked: the subscription goes (the origin told if it had accepted), the exchange ends. */
    private void failed(HttpServerExchange exchange, Subscription sub, OriginAnswer answer, RuntimeException e) {
        LOG.log(Level.WARNING, sub.logLine("subscribe-failed").with("reason", "edge-error").toString(), e);
        metrics.subscribe("edge-error");
        if (answer != null && answer.accepted()) {
            registry.endAndTell(sub, "edge-error");
        } else {
            registry.discard(sub);
        }
        if (!exchange.isResponseStarted()) {
            exchange.setPersistent(false);
            SubscriptionSettings settings = sub.plan().settings();
            FailureAnswer.send(exchange, FailureAnswer.Failure.of(StatusCodes.INTERNAL_SERVER_ERROR, "edge-error",
                    "the edge failed on this request"), settings.transport(), settings.transientFailure(), List.of());
        } else {
            ConnectionState.abort(exchange);
        }
    }

    private void answered(HttpServerExchange exchange, Subscription sub, OriginAnswer answer, List<Decision.HeaderField> responseHeaders,
            HeldResponse<Subscription.Client> stream, Subscription.Client client, SubscriptionRegistry.Notice notice) {
        SubscriptionPlan plan = sub.plan();
        SubscriptionSettings settings = plan.settings();
        if (answer.accepted()) {
            if (!exchange.getConnection().isOpen()) {
                metrics.subscribe("client-gone");
                registry.decline(client, "client-gone-before-hold");
                return;
            }
            if (stream != null) {
                attach(exchange, client, responseHeaders, stream);
                return;
            }
            // the client that asked the origin is "held"; one that shares its subscription "joined"
            metrics.subscribe(client.handle() == sub.handle() ? "held" : "joined");
            registry.hold(exchange, client, transport(exchange, plan), responseHeaders, client.start(),
                    settings.type() == SubscriptionType.STREAM, notice);
            return;
        }
        registry.discard(sub);
        FailureAnswer.Failure failure;
        if (answer.failure() == OriginAnswer.Failure.TIMEOUT) {
            metrics.subscribe("origin-timeout");
            LOG.warning(() -> LogLine.of("subscribe-failed").with("reason", "origin-timeout")
                    .with("timeout", settings.originTimeout().toMillis() + "ms").toString());
            failure = FailureAnswer.Failure.of(StatusCodes.GATEWAY_TIME_OUT, "origin-timeout", "the origin did not answer in time");
        } else if (answer.failure() == OriginAnswer.Failure.REFUSED) {
            metrics.subscribe("origin-unreachable");
            LOG.warning(() -> LogLine.of("subscribe-failed").with("reason", "origin-unreachable").toString());
            failure = FailureAnswer.Failure.of(StatusCodes.BAD_GATEWAY, "origin-unreachable", "the origin cannot be reached");
        } else if (answer.failure() == OriginAnswer.Failure.BUSY) {
            metrics.subscribe("origin-busy");
            LOG.warning(() -> LogLine.of("subscribe-failed").with("reason", "origin-busy").toString());
            failure = FailureAnswer.Failure.of(StatusCodes.SERVICE_UNAVAILABLE, "origin-busy",
                    "too many requests are waiting for the origin; retry later").retryAfter(1);
        } else if (answer.status() >= 400 && answer.status() <= 599) {
            metrics.subscribe("rejected");
            LOG.fine(() -> LogLine.of("subscribe-rejected").with("status", answer.status()).with("event-id", plan.eventId()).toString());
            failure = FailureAnswer.Failure.of(answer.status(), "rejected", "the origin refused the subscription (" + answer.status() + ")")
                    .retryAfter(FailureAnswer.retryAfterSeconds(answer.retryAfter(), clock.millis()));
            if (settings.forwardRejectionBody() && answer.body().length > 0) {
                failure = failure.body(answer.contentType(), answer.body());
            }
        } else {
            metrics.subscribe("origin-bad-answer");
            LOG.warning(() -> LogLine.of("subscribe-failed").with("reason", "origin-answered").with("status", answer.status())
                    .with("expected", 202).toString());
            failure = FailureAnswer.Failure.of(StatusCodes.BAD_GATEWAY, "origin-bad-answer",
                    "the origin answered " + answer.status() + " instead of 202");
        }
        fail(exchange, plan, failure, responseHeaders, stream);
    }

    /** "attached" is said once the stream's response carries the client, on the stream's IO thread. */
    private void attach(HttpServerExchange exchange, Subscription.Client client, List<Decision.HeaderField> responseHeaders,
            HeldResponse<Subscription.Client> stream) {
        stream.execute(() -> {
            boolean attached = registry.multiplex(stream, client);
            if (!attached) {
                registry.decline(client, "stream-gone");
            }
            exchange.getIoThread().execute(() -> {
                if (attached) {
                    metrics.subscribe("attached");
                    headers(exchange, responseHeaders);
                    text(exchange, StatusCodes.OK, "attached\n");
                } else {
                    metrics.subscribe("no-stream");
                    text(exchange, StatusCodes.CONFLICT, "the stream closed meanwhile; open a new one\n");
                }
            });
        });
    }

    private static Transport transport(HttpServerExchange exchange, SubscriptionPlan plan) {
        return Transports.choose(plan.settings().transport(), exchange.getRequestHeaders().getFirst(Headers.ACCEPT));
    }

    private static long parseHex(String s) {
        try {
            return s.length() == 16 ? Long.parseUnsignedLong(s, 16) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
