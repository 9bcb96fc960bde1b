package io.surrogate.engine.request;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Parses a request written as raw HTTP/1.1 text (the dry-run's request files): a request
 * line, header lines, a blank line, the body. LF or CRLF line ends. With Content-Length the
 * body is that many bytes; without, it is the rest of the file less one final line end.
 * Header values are read as the server reads them ({@link Headers#fromWire}): UTF-8 where the
 * bytes are UTF-8.
 */
public final class RawHttpRequest {
    private RawHttpRequest() {}

    /** A request file that is not HTTP/1.1 text; the message names the line. */
    public static final class FormatException extends Exception {
        private static final long serialVersionUID = 1L;

        public FormatException(String message) {
            super(message);
        }
    }

    public static EdgeRequest parse(byte[] bytes, InetAddress client, int clientPort) throws FormatException {
        // Blank lines before the request line are skipped (below); they do not end the headers.
        int start = 0;
        while (start < bytes.length && (bytes[start] == '\r' || bytes[start] == '\n')) {
            start++;
        }
        int headerEnd = indexOfBlankLine(bytes, start);
        String head = new String(bytes, 0, headerEnd < 0 ? bytes.length : headerEnd, StandardCharsets.ISO_8859_1);
        String[] lines = lines(head);
        int first = 0;
        while (first < lines.length && lines[first].isBlank()) {
            first++;
        }
        if (first == lines.length) {
            throw new FormatException("line 1: empty request; expected 'METHOD /path HTTP/1.1'");
        }
        String[] requestLine = words(lines[first].trim());
        if (requestLine.length < 2 || requestLine.length > 3 || !isUpperCaseWord(requestLine[0])
                || !(requestLine[1].startsWith("/") || requestLine[1].startsWith("http://") || requestLine[1].startsWith("https://"))) {
            throw new FormatException("line " + (first + 1) + ": bad request line '" + lines[first].trim()
                    + "'; expected 'METHOD /path HTTP/1.1'");
        }
        if (requestLine.length == 3 && !requestLine[2].startsWith("HTTP/1.")) {
            throw new FormatException("line " + (first + 1) + ": unsupported version '" + requestLine[2] + "'; expected HTTP/1.1");
        }
        Headers.Builder headers = Headers.builder();
        String contentLength = null;
        int contentLengthLine = 0;
        for (int i = first + 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !isToken(line, colon)) {
                throw new FormatException("line " + (i + 1) + ": bad header line '" + line + "'; expected 'Name: value'");
            }
            String name = line.substring(0, colon);
            String value = line.substring(colon + 1).trim();
            headers.addFromWire(name, value);
            if (name.equalsIgnoreCase("Content-Length")) {
                contentLength = value;
                contentLengthLine = i + 1;
            }
        }
        byte[] body = new byte[0];
        if (headerEnd >= 0) {
            int bodyStart = headerEnd + (bytes[headerEnd] == '\r' ? 4 : 2);
            bodyStart = Math.min(bodyStart, bytes.length);
            body = Arrays.copyOfRange(bytes, bodyStart, bytes.length);
            if (contentLength != null) {
                int length;
                try {
                    length = Integer.parseInt(contentLength);
                } catch (NumberFormatException e) {
                    throw new FormatException("line " + contentLengthLine + ": bad Content-Length '" + contentLength + "'");
                }
                if (length < 0 || length > body.length) {
                    throw new FormatException("line " + contentLengthLine + ": Content-Length " + length + " but the body has " + body.length + " bytes");
                }
                body = Arrays.copyOf(body, length);
            } else {
                body = trimFinalLineEnd(body);
            }
        }
        return build(requestLine[0], requestLine[1], headers.build(), body, client, clientPort);
    }

    /** Builds a request from a target (origin-form or absolute URL), as the CLI's flags give it. */
    public static EdgeRequest build(String method, String target, Headers headers, byte[] body, InetAddress client, int clientPort) {
        String hostHeader = headers.first("Host");
        String pathAndQuery = target;
        if (target.startsWith("http://") || target.startsWith("https://")) {
            int authorityStart = target.indexOf("//") + 2;
            int slash = target.indexOf('/', authorityStart);
            String authority = slash < 0 ? target.substring(authorityStart) : target.substring(authorityStart, slash);
            pathAndQuery = slash < 0 ? "/" : target.substring(slash);
            if (hostHeader == null) {
                hostHeader = authority;
                Headers.Builder withHost = Headers.builder().add("Host", authority);
                for (int i = 0; i < headers.size(); i++) {
                    withHost.add(headers.name(i), headers.value(i));
                }
                headers = withHost.build();
            }
        }
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
        int hash = query.indexOf('#');
        if (hash >= 0) {
            query = query.substring(0, hash);
        }
        return new EdgeRequest(method.toUpperCase(Locale.ROOT), path, query, EdgeRequest.hostWithoutPort(hostHeader),
                headers, body, client, clientPort, 1);
    }

    // By hand rather than with String.split and matches, which compile a pattern per call.

    /** Lines split at LF, a CR before each LF dropped (as {@code split("\r?\n", -1)}). */
    private static String[] lines(String head) {
        java.util.List<String> out = new java.util.ArrayList<>();
        int from = 0;
        while (true) {
            int nl = head.indexOf('\n', from);
            if (nl < 0) {
                out.add(head.substring(from));
                return out.toArray(String[]::new);
            }
            int end = nl > from && head.charAt(nl - 1) == '\r' ? nl - 1 : nl;
            out.add(head.substring(from, end));
            from = nl + 1;
        }
    }

    /** The words of a trimmed line between runs of spaces (as {@code split(" +")}). */
    private static String[] words(String line) {
        java.util.List<String> out = new java.util.ArrayList<>(3);
        int i = 0;
        int n = line.length();
        while (i < n) {
            int space = line.indexOf(' ', i);
            int end = space < 0 ? n : space;
            out.add(line.substring(i, end));
            i = end;
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
        }
        return out.isEmpty() ? new String[] {""} : out.toArray(String[]::new);
    }

    private static boolean isUpperCaseWord(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < 'A' || s.charAt(i) > 'Z') {
                return false;
            }
        }
        return true;
    }

    /** RFC 9110 token characters in {@code s[0, end)}, at least one. */
    private static boolean isToken(String s, int end) {
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            boolean ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || "!#$%&'*+.^_`|~-".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return end > 0;
    }

    private static int indexOfBlankLine(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\n' && b[i + 1] == '\n') {
                return i;
            }
            if (i + 3 < b.length && b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static byte[] trimFinalLineEnd(byte[] body) {
        int end = body.length;
        if (end > 0 && body[end - 1] == '\n') {
            end--;
            if (end > 0 && body[end - 1] == '\r') {
                end--;
            }
        }
        return end == body.length ? body : Arrays.copyOf(body, end);
    }
}
