package io.surrogate.cli.loadtest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An incremental HTTP/1.1 response parser for the load generator: fed whatever a socket read
 * returned, it reports the head once, then the body as slices of the read buffer (no copy),
 * de-chunked, and the end of a response with a length or chunked body. A body without either
 * runs until the connection closes (an SSE stream may be sent that way). Header names are
 * lower-cased; a repeated header keeps its last value. Not thread-safe.
 */
final class ResponseParser {
    /** What the parser reports. */
    interface Handler {
        void head(int status, Map<String, String> headers) throws IOException;

        /** A slice of the body; valid only during the call. */
        void body(ByteBuffer data) throws IOException;

        /** The response ended (its length reached, or its last chunk). */
        void end() throws IOException;
    }

    private static final int MAX_HEAD = 16 * 1024;

    private enum State { HEAD, LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILER, UNTIL_CLOSE }

    private final Handler handler;
    private State state = State.HEAD;
    private byte[] head = new byte[512];
    private int headLength;
    private long remaining;
    private final StringBuilder line = new StringBuilder();

    ResponseParser(Handler handler) {
        this.handler = handler;
    }

    void feed(ByteBuffer in) throws IOException {
        while (in.hasRemaining()) {
            switch (state) {
                case HEAD -> readHead(in);
                case LENGTH -> {
                    int n = (int) Math.min(remaining, in.remaining());
                    slice(in, n);
                    remaining -= n;
                    if (remaining == 0) {
                        finish();
                    }
                }
                case UNTIL_CLOSE -> slice(in, in.remaining());
                case CHUNK_SIZE, CHUNK_DATA_END, TRAILER -> readLine(in);
                case CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, in.remaining());
                    slice(in, n);
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.CHUNK_DATA_END;
                    }
                }
                default -> throw new AssertionError(state);
            }
        }
    }

    private void slice(ByteBuffer in, int n) throws IOException {
        ByteBuffer part = in.slice(in.position(), n);
        in.position(in.position() + n);
        handler.body(part);
    }

    private void readHead(ByteBuffer in) throws IOException {
        while (in.hasRemaining()) {
            if (headLength == head.length) {
                if (head.length >= MAX_HEAD) {
                    throw new IOException("response head longer than " + MAX_HEAD + " bytes");
                }
                head = java.util.Arrays.copyOf(head, head.length * 2);
            }
            byte b = in.get();
            head[headLength++] = b;
            if (b == '\n' && headLength >= 4 && head[headLength - 2] == '\r' && head[headLength - 3] == '\n' && head[headLength - 4] == '\r') {
                parseHead();
                return;
            }
        }
    }

    private void parseHead() throws IOException {
        String text = new String(head, 0, headLength - 4, StandardCharsets.ISO_8859_1);
        headLength = 0;
        String[] lines = text.split("\r\n");
        if (!lines[0].startsWith("HTTP/1.") || lines[0].length() < 12) {
            throw new IOException("not an HTTP/1.x status line: " + lines[0]);
        }
        int status;
        try {
            status = Integer.parseInt(lines[0].substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("bad status line: " + lines[0], e);
        }
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        if (status == 100) {
            return; // an interim answer; the real head follows
        }
        handler.head(status, headers);
        String length = headers.get("content-length");
        if (status == 204 || status == 304) {
            finish();
        } else if ("chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
            state = State.CHUNK_SIZE;
        } else if (length != null) {
            try {
                remaining = Long.parseLong(length);
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length: " + length, e);
            }
            state = State.LENGTH;
            if (remaining == 0) {
                finish();
            }
        } else {
            state = State.UNTIL_CLOSE;
        }
    }

    private void readLine(ByteBuffer in) throws IOException {
        while (in.hasRemaining()) {
            char c = (char) (in.get() & 0xff);
            if (c != '\n') {
                if (c != '\r') {
                    if (line.length() > 1024) {
                        throw new IOException("chunk line longer than 1024 bytes");
                    }
                    line.append(c);
                }
                continue;
            }
            String text = line.toString();
            line.setLength(0);
            switch (state) {
                case CHUNK_SIZE -> {
                    int semi = text.indexOf(';');
                    try {
                        remaining = Long.parseLong((semi < 0 ? text : text.substring(0, semi)).trim(), 16);
                    } catch (NumberFormatException e) {
                        throw new IOException("bad chunk size: " + text, e);
                    }
                    state = remaining == 0 ? State.TRAILER : State.CHUNK_DATA;
                }
                case CHUNK_DATA_END -> {
                    if (!text.isEmpty()) {
                        throw new IOException("no CRLF after a chunk");
                    }
                    state = State.CHUNK_SIZE;
                }
                case TRAILER -> {
                    if (text.isEmpty()) {
                        finish();
                    }
                }
                default -> throw new AssertionError(state);
            }
            return;
        }
    }

    private void finish() throws IOException {
        state = State.HEAD;
        handler.end();
    }
}
