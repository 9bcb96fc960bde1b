package io.surrogate.server.http;

import com.google.common.net.InetAddresses;
import io.surrogate.server.LogLine;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.HttpString;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Who a request comes from when a trusted proxy speaks for it: RFC 7239's {@code Forwarded} or
 * {@code X-Forwarded-For}, whichever {@link TrustedProxies#header} names, read only when the
 * socket's peer is trusted.
 *
 * <p>The walk: the header's lines are one list, in order (several lines are joined as RFC 9110
 * joins a repeated list header). It is read from the right, the entry the peer itself wrote
 * first. A trusted entry is one more proxy and is passed; the first untrusted entry is the
 * client. Entries to the left of it are never read: the client wrote them. When every entry is
 * trusted, the leftmost is the client. The header is ignored, and the client is the peer, when
 * the walk meets an entry that is not an address ({@code unknown}, an obfuscated {@code _name},
 * garbage), when more than {@link #MAX_HOPS} trusted entries stand in a row, or when a
 * {@code Forwarded} line does not parse; that is logged at FINE as {@code forwarded-ignored}.
 *
 * <p>The client's port is the entry's port when it has one ({@code for="[2001:db8::1]:4711"},
 * {@code 192.0.2.7:4711}), otherwise 0: the proxy did not say.
 */
public final class ClientAddress {
    private static final Logger LOG = Logger.getLogger("surrogate.client");
    /** The most entries read from the right: the longest chain of trusted proxies followed. */
    public static final int MAX_HOPS = 16;
    /** The longest entry (or {@code Forwarded} value) read: {@code "[IPv6]:port"} is at most 49 characters. */
    static final int MAX_ENTRY = 64;
    /** Stands for a {@code Forwarded} element without {@code for=}. */
    private static final String NO_FOR = "\u0000";

    private ClientAddress() {}

    /** The client, and why the header was ignored if it was (then the client is the peer). */
    public record Resolution(InetSocketAddress client, Optional<String> ignored) {
        static Resolution peer(InetSocketAddress peer) {
            return new Resolution(peer, Optional.empty());
        }

        static Resolution ignored(InetSocketAddress peer, String why) {
            return new Resolution(peer, Optional.of(why));
        }
    }

    /**
     * The client of a request from {@code peer} with these lines of the trusted proxies' header
     * (in the order received). Never throws for what the lines hold.
     */
    public static Resolution resolve(TrustedProxies proxies, InetSocketAddress peer, List<String> lines) {
        if (peer == null || peer.getAddress() == null || !proxies.trusts(peer.getAddress()) || lines.isEmpty()) {
            return Resolution.peer(peer);
        }
        List<String> entries = new ArrayList<>(MAX_HOPS + 1);
        if (proxies.header() == TrustedProxies.Header.FORWARDED) {
            Deque<String> kept = new ArrayDeque<>(MAX_HOPS + 2);
            for (String line : lines) {
                if (!forwardedFor(line, kept)) {
                    return Resolution.ignored(peer, "malformed");
                }
            }
            kept.descendingIterator().forEachRemaining(entries::add);
        } else {
            forwardedForEntries(lines, entries);
        }
        Node client = null;
        for (int k = 0; k < entries.size(); k++) {
            if (k == MAX_HOPS) {
                return Resolution.ignored(peer, "too-many-hops");
            }
            Node node = node(entries.get(k), proxies.header());
            if (node.problem != null) {
                return Resolution.ignored(peer, node.problem);
            }
            client = node;
            if (!proxies.trusts(node.address)) {
                break;
            }
        }
        return client == null ? Resolution.peer(peer) : new Resolution(new InetSocketAddress(client.address, client.port), Optional.empty());
    }

    /**
     * In front of the client listener's handlers: a request from a trusted peer gets the client
     * the header names as its source address, which every later step reads (the rules'
     * {@code client.ip} and {@code client-port}, the {@code PORT} nonce, rate-limit keys, log lines).
     */
    public static HttpHandler handler(TrustedProxies proxies, HttpHandler next) {
        // no trusted proxy: nothing to resolve, no step on the request path
        return proxies.peers().isEmpty() ? next : new Resolving(proxies, next);
    }

    private static final class Resolving implements HttpHandler {
        private final TrustedProxies proxies;
        private final HttpString header;
        private final HttpHandler next;

        Resolving(TrustedProxies proxies, HttpHandler next) {
            this.proxies = proxies;
            this.header = new HttpString(proxies.header().fieldName());
            this.next = next;
        }

        @Override
        public void handleRequest(HttpServerExchange exchange) throws Exception {
            InetSocketAddress peer = exchange.getSourceAddress();
            if (peer != null && peer.getAddress() != null && proxies.trusts(peer.getAddress())) {
                HeaderValues lines = exchange.getRequestHeaders().get(header);
                if (lines != null) {
                    Resolution r = resolve(proxies, peer, lines);
                    r.ignored().ifPresent(why -> LOG.fine(() -> LogLine.of("forwarded-ignored").with("header", proxies.header().fieldName())
                            .with("reason", why).with("peer", peer.getAddress().getHostAddress() + ":" + peer.getPort()).toString()));
                    exchange.setSourceAddress(r.client());
                }
            }
            next.handleRequest(exchange);
        }

        @Override
        public String toString() {
            return "client-address(" + proxies + ") -> " + next;
        }
    }

    /** The X-Forwarded-For entries, rightmost first, at most {@code MAX_HOPS + 1}; empty entries skipped. */
    private static void forwardedForEntries(List<String> lines, List<String> out) {
        for (int l = lines.size() - 1; l >= 0; l--) {
            String line = lines.get(l);
            int end = line.length();
            while (end >= 0) {
                int comma = end == 0 ? -1 : line.lastIndexOf(',', end - 1);
                String entry = line.substring(comma + 1, end).strip();
                if (!entry.isEmpty()) {
                    out.add(entry);
                    if (out.size() > MAX_HOPS) {
                        return;
                    }
                }
                end = comma;
            }
        }
    }

    /**
     * Parses one {@code Forwarded} line (RFC 7239 section 4: elements separated by commas, pairs
     * by semicolons, a value a token or a quoted string, no parameter twice in an element) and
     * adds each element's {@code for} value to {@code kept}, keeping the last {@code MAX_HOPS + 1}.
     * False when the line does not parse.
     */
    private static boolean forwardedFor(String line, Deque<String> kept) {
        int n = line.length();
        int i = 0;
        while (true) {
            String forValue = NO_FOR;
            List<String> names = new ArrayList<>(4);
            char separator;
            while (true) {
                i = skipSpace(line, i);
                if (i < n && line.charAt(i) != ';' && line.charAt(i) != ',') {
                    int start = i;
                    while (i < n && token(line.charAt(i))) {
                        i++;
                    }
                    if (i == start || i >= n || line.charAt(i) != '=') {
                        return false;
                    }
                    String name = line.substring(start, i).toLowerCase(Locale.ROOT);
                    i++;
                    StringBuilder value = new StringBuilder();
                    if (i < n && line.charAt(i) == '"') {
                        i++;
                        while (true) {
                            if (i >= n) {
                                return false;
                            }
                            char c = line.charAt(i++);
                            if (c == '"') {
                                break;
                            }
                            if (c == '\\') {
                                if (i >= n) {
                                    return false;
                                }
                                c = line.charAt(i++);
                            }
                            if (c < 0x20 && c != '\t' || c == 0x7f) {
                                return false;
                            }
                            if (value.length() <= MAX_ENTRY) {
                                value.append(c); // a longer value is not an address: kept just long enough to say so
                            }
                        }
                    } else {
                        int start2 = i;
                        while (i < n && token(line.charAt(i))) {
                            i++;
                        }
                        if (i == start2) {
                            return false;
                        }
                        value.append(line, start2, Math.min(i, start2 + MAX_ENTRY + 1));
                    }
                    if (names.contains(name)) {
                        return false;
                    }
                    names.add(name);
                    if (name.equals("for")) {
                        forValue = value.toString();
                    }
                    i = skipSpace(line, i);
                }
                separator = i < n ? line.charAt(i) : ',';
                if (separator != ';' && separator != ',') {
                    return false;
                }
                i++;
                if (separator == ',') {
                    break;
                }
            }
            if (!names.isEmpty()) {
                kept.addLast(forValue);
                if (kept.size() > MAX_HOPS + 1) {
                    kept.removeFirst();
                }
            }
            if (i >= n) {
                return true;
            }
        }
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    /** RFC 9110's tchar. */
    private static boolean token(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    /** An entry as an address and port, or the word for why it is not one. */
    private record Node(InetAddress address, int port, String problem) {
        static Node not(String problem) {
            return new Node(null, 0, problem);
        }
    }

    /**
     * One entry: {@code 192.0.2.7}, {@code 192.0.2.7:4711}, {@code [2001:db8::1]},
     * {@code [2001:db8::1]:4711}; in X-Forwarded-For also a bare {@code 2001:db8::1}. In
     * {@code Forwarded} an obfuscated port ({@code :_abc}) leaves the port 0.
     */
    private static Node node(String entry, TrustedProxies.Header header) {
        boolean forwarded = header == TrustedProxies.Header.FORWARDED;
        if (entry == NO_FOR) {
            return Node.not("no-for");
        }
        if (entry.length() > MAX_ENTRY) {
            return Node.not("not-an-address");
        }
        if (entry.equalsIgnoreCase("unknown")) {
            return Node.not("unknown");
        }
        if (entry.startsWith("_")) {
            return Node.not("obfuscated");
        }
        String host;
        String port = null;
        if (entry.startsWith("[")) {
            int close = entry.indexOf(']');
            if (close < 0) {
                return Node.not("not-an-address");
            }
            host = entry.substring(1, close);
            String rest = entry.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return Node.not("not-an-address");
                }
                port = rest.substring(1);
            }
            if (host.indexOf(':') < 0) {
                return Node.not("not-an-address");
            }
        } else {
            int first = entry.indexOf(':');
            int last = entry.lastIndexOf(':');
            if (first >= 0 && first != last) {
                if (forwarded) {
                    return Node.not("not-an-address"); // RFC 7239: an IPv6 address is written in brackets
                }
                host = entry;
            } else if (first >= 0) {
                host = entry.substring(0, first);
                port = entry.substring(first + 1);
            } else {
                host = entry;
            }
            if (host.indexOf(':') < 0 && host.indexOf('.') < 0) {
                return Node.not("not-an-address");
            }
        }
        if (host.isEmpty() || host.indexOf('%') >= 0 || !InetAddresses.isInetAddress(host)) {
            return Node.not("not-an-address");
        }
        InetAddress address = InetAddresses.forString(host);
        if (!entry.startsWith("[") && host.indexOf(':') < 0 && address instanceof Inet6Address) {
            return Node.not("not-an-address");
        }
        int p = 0;
        if (port != null) {
            if (forwarded && port.startsWith("_") && port.length() > 1) {
                p = 0;
            } else if (port.matches("[0-9]{1,5}") && Integer.parseInt(port) >= 1 && Integer.parseInt(port) <= 65535) {
                p = Integer.parseInt(port);
            } else {
                return Node.not("not-an-address");
            }
        }
        return new Node(address, p, null);
    }
}
