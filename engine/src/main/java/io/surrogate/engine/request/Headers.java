package io.surrogate.engine.request;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Request headers in arrival order; names compare ignoring case. Immutable. Values are text:
 * a value read off the wire goes through {@link #fromWire} (the builder's
 * {@link Builder#addFromWire}), so a browser's UTF-8 cookie reads as the characters it meant.
 */
public final class Headers {
    public static final Headers EMPTY = new Headers(new String[0]);

    /** name, value, name, value... */
    private final String[] pairs;

    private Headers(String[] pairs) {
        this.pairs = pairs;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The first value of a header, or null. */
    public String first(String name) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equalsIgnoreCase(name)) {
                return pairs[i + 1];
            }
        }
        return null;
    }

    /** Every value of a header, in order. */
    public List<String> all(String name) {
        List<String> out = new ArrayList<>(1);
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equalsIgnoreCase(name)) {
                out.add(pairs[i + 1]);
            }
        }
        return out;
    }

    public int size() {
        return pairs.length / 2;
    }

    public String name(int i) {
        return pairs[2 * i];
    }

    public String value(int i) {
        return pairs[2 * i + 1];
    }

    /**
     * A header value as a server hands it over, one char per byte (ISO-8859-1, as Undertow and
     * the dry run's parser read header bytes), decoded as UTF-8 when those bytes are valid UTF-8:
     * browsers send cookies and most headers as UTF-8, and a raw {@code Zoë} arrives as the five
     * chars {@code ZoÃ«}. Any other value (ASCII, Latin-1 text that is not UTF-8, chars above
     * U+00FF) is returned as it is.
     */
    public static String fromWire(String value) {
        int i = 0;
        int n = value.length();
        while (i < n && value.charAt(i) < 0x80) {
            i++;
        }
        if (i == n) {
            return value;
        }
        byte[] bytes = new byte[n];
        for (int j = 0; j < n; j++) {
            char c = value.charAt(j);
            if (c > 0xFF) {
                return value;
            }
            bytes[j] = (byte) c;
        }
        try {
            CharBuffer decoded = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return decoded.toString();
        } catch (CharacterCodingException e) {
            return value;
        }
    }

    public static final class Builder {
        private final List<String> pairs = new ArrayList<>();

        public Builder add(String name, String value) {
            pairs.add(name);
            pairs.add(value);
            return this;
        }

        /** Adds a value read off the wire, decoded by {@link Headers#fromWire}. */
        public Builder addFromWire(String name, String value) {
            return add(name, fromWire(value));
        }

        public Headers build() {
            return pairs.isEmpty() ? EMPTY : new Headers(pairs.toArray(String[]::new));
        }
    }
}
