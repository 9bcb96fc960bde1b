package io.surrogate.server.tls;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The few ASN.1 DER shapes the edge reads and writes itself: wrapping a PKCS#1 or SEC1 key
 * into PKCS#8 (what {@code java.security.KeyFactory} takes) and the demo's self-signed
 * certificate. Not a general ASN.1 library.
 */
final class Der {
    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int UTF8_STRING = 0x0c;
    static final int GENERALIZED_TIME = 0x18;
    static final int SEQUENCE = 0x30;
    static final int SET = 0x31;

    private Der() {}

    /** One element: its tag and its content. */
    record Element(int tag, byte[] content) {}

    /** A tag, its length and the parts' bytes one after another. */
    static byte[] tlv(int tag, byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            body.writeBytes(p);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.size() + 6);
        out.write(tag);
        int n = body.size();
        if (n < 0x80) {
            out.write(n);
        } else {
            byte[] len = BigInteger.valueOf(n).toByteArray();
            int skip = len[0] == 0 ? 1 : 0;
            out.write(0x80 | (len.length - skip));
            out.write(len, skip, len.length - skip);
        }
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    static byte[] sequence(byte[]... parts) {
        return tlv(SEQUENCE, parts);
    }

    static byte[] integer(BigInteger v) {
        return tlv(INTEGER, v.toByteArray());
    }

    static byte[] nothing() {
        return new byte[] {NULL, 0};
    }

    static byte[] utf8(String s) {
        return tlv(UTF8_STRING, s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] bits(byte[] bytes) {
        byte[] content = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, content, 1, bytes.length);
        return tlv(BIT_STRING, content);
    }

    /** A context-specific constructed tag {@code [n]}. */
    static byte[] explicit(int n, byte[]... parts) {
        return tlv(0xa0 | n, parts);
    }

    /** An object identifier from its dotted form. */
    static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Integer.parseInt(arcs[0]) * 40 + Integer.parseInt(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            long v = Long.parseLong(arcs[i]);
            int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(v) + 6) / 7);
            for (int g = groups - 1; g >= 0; g--) {
                out.write((int) ((v >>> (7 * g)) & 0x7f) | (g > 0 ? 0x80 : 0));
            }
        }
        return tlv(OID, out.toByteArray());
    }

    /** The elements one after another in {@code bytes}; empty when it is not well-formed DER. */
    static List<Element> read(byte[] bytes) {
        List<Element> out = new ArrayList<>();
        int i = 0;
        while (i < bytes.length) {
            if (i + 2 > bytes.length) {
                return List.of();
            }
            int tag = bytes[i++] & 0xff;
            int len = bytes[i++] & 0xff;
            if (len >= 0x80) {
                int count = len & 0x7f;
                if (count == 0 || count > 3 || i + count > bytes.length) {
                    return List.of();
                }
                len = 0;
                for (int k = 0; k < count; k++) {
                    len = (len << 8) | (bytes[i++] & 0xff);
                }
            }
            if (len > bytes.length - i) {
                return List.of();
            }
            out.add(new Element(tag, Arrays.copyOfRange(bytes, i, i + len)));
            i += len;
        }
        return out;
    }

    /** The content of a single outer SEQUENCE's elements; empty when {@code bytes} is not one. */
    static List<Element> sequenceOf(byte[] bytes) {
        List<Element> outer = read(bytes);
        if (outer.size() != 1 || outer.get(0).tag() != SEQUENCE) {
            return List.of();
        }
        return read(outer.get(0).content());
    }
}
