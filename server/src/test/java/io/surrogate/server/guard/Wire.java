package io.surrogate.server.guard;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A connection on a plain socket that sends exactly the bytes a test gives it (framing a
 * browser or the JDK's client would never send) and reads the edge's answer by hand.
 */
final class Wire implements AutoCloseable {
    /** An answer: status, headers (lowercase names) and body as text. */
    record Answer(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private Wire(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    static Wire connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(20_000);
        return new Wire(s);
    }

    /** Sends the text as ISO-8859-1 bytes, CRLFs as written. */
    Wire send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    Wire send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads one answer: status line, headers, then a body by Content-Length, chunks, or to the end. */
    Answer answer() throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("the edge closed the connection without an answer");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = headers();
        byte[] body;
        if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int n;
            while ((n = Integer.parseInt(line().trim(), 16)) > 0) {
                b.write(in.readNBytes(n));
                line();
            }
            line();
            body = b.toByteArray();
        } else {
            body = in.readAllBytes();
        }
        return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    /** Reads the status line and headers of a held response, leaving its body to {@link #nextData}. */
    Answer head() throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("the edge closed the connection without an answer");
        }
        return new Answer(Integer.parseInt(statusLine.split(" ")[1]), headers(), "");
    }

    /** The value of the next SSE {@code data:} line of a held response (chunk sizes and comments skipped). */
    String nextData() throws IOException {
        String l;
        while ((l = line()) != null) {
            if (l.startsWith("data: ")) {
                return l.substring(6);
            }
        }
        return null;
    }

    /**
     * What the edge sends after the answer until it closes the connection (end of stream or
     * reset): "" when it closes at once; null when it keeps the connection open for 20 s.
     */
    String untilClosed() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            int c;
            while ((c = in.read()) != -1) {
                b.write(c);
            }
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            // reset: closed
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private Map<String, String> headers() throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        String l;
        while ((l = line()) != null && !l.isEmpty()) {
            int colon = l.indexOf(':');
            headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
        }
        return headers;
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.UTF_8);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
