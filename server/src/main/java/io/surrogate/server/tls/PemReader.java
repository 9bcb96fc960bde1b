package io.surrogate.server.tls;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM text with {@code java.security} alone: {@code CERTIFICATE} blocks, and one private
 * key as {@code PRIVATE KEY} (PKCS#8, RSA or EC), {@code RSA PRIVATE KEY} (PKCS#1) or
 * {@code EC PRIVATE KEY} (SEC1, with its curve named). Each failure is a {@link Unreadable}
 * whose message says what was found instead; nothing here throws for bad input.
 */
public final class PemReader {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
    private static final String RSA_OID = "1.2.840.113549.1.1.1";
    private static final String EC_OID = "1.2.840.10045.2.1";

    private PemReader() {}

    /** The input is not what was asked for; the message says why, in lower case, without the key's bytes. */
    public static final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreadable(String message) {
            super(message);
        }
    }

    record Block(String label, byte[] der) {}

    static List<Block> blocks(String text) throws Unreadable {
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if (m.group(2).contains("Proc-Type:")) {
                throw new Unreadable("the '" + m.group(1) + "' block is encrypted; give the key unencrypted"
                        + " (openssl pkcs8 -topk8 -nocrypt -in KEY), readable only by the edge's user");
            }
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new Unreadable("the '" + m.group(1) + "' block is not valid base64");
            }
        }
        return out;
    }

    /** The certificates in order (the leaf first, then the chain up to its root). */
    public static List<X509Certificate> certificates(String text) throws Unreadable {
        List<X509Certificate> chain = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (Block b : blocks(text)) {
            if (!b.label().equals("CERTIFICATE")) {
                others.add(b.label());
                continue;
            }
            try {
                CertificateFactory f = CertificateFactory.getInstance("X.509");
                chain.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(b.der())));
            } catch (CertificateException | ClassCastException e) {
                throw new Unreadable("certificate " + (chain.size() + 1) + " is not a valid X.509 certificate");
            }
        }
        if (chain.isEmpty()) {
            throw new Unreadable("no '-----BEGIN CERTIFICATE-----' block" + (others.isEmpty() ? "" : " (found: " + others + ")"));
        }
        return List.copyOf(chain);
    }

    /** The one private key in the text. */
    public static PrivateKey privateKey(String text) throws Unreadable {
        List<String> seen = new ArrayList<>();
        for (Block b : blocks(text)) {
            switch (b.label()) {
                case "PRIVATE KEY":
                    return pkcs8(b.der());
                case "RSA PRIVATE KEY":
                    return pkcs8(Der.sequence(Der.integer(BigInteger.ZERO), Der.sequence(Der.oid(RSA_OID), Der.nothing()),
                            Der.tlv(Der.OCTET_STRING, b.der())));
                case "EC PRIVATE KEY":
                    return pkcs8(Der.sequence(Der.integer(BigInteger.ZERO), Der.sequence(Der.oid(EC_OID), curveOf(b.der())),
                            Der.tlv(Der.OCTET_STRING, b.der())));
                case "ENCRYPTED PRIVATE KEY":
                    throw new Unreadable("the private key is encrypted; give it unencrypted"
                            + " (openssl pkcs8 -in KEY -out PLAIN), readable only by the edge's user");
                default:
                    seen.add(b.label());
            }
        }
        throw new Unreadable("no private key block ('PRIVATE KEY', 'RSA PRIVATE KEY' or 'EC PRIVATE KEY')"
                + (seen.isEmpty() ? "" : " (found: " + seen + ")"));
    }

    /** The curve's OID element from a SEC1 key's {@code [0] parameters}. */
    private static byte[] curveOf(byte[] sec1) throws Unreadable {
        for (Der.Element e : Der.sequenceOf(sec1)) {
            if (e.tag() == 0xa0) {
                List<Der.Element> inner = Der.read(e.content());
                if (inner.size() == 1 && inner.get(0).tag() == Der.OID) {
                    return e.content();
                }
            }
        }
        throw new Unreadable("the 'EC PRIVATE KEY' does not name its curve; convert it to PKCS#8"
                + " (openssl pkcs8 -topk8 -nocrypt -in KEY)");
    }

    private static PrivateKey pkcs8(byte[] der) throws Unreadable {
        List<Der.Element> fields = Der.sequenceOf(der);
        if (fields.size() < 3 || fields.get(1).tag() != Der.SEQUENCE) {
            throw new Unreadable("the private key is not a PKCS#8 structure");
        }
        List<Der.Element> algorithm = Der.read(fields.get(1).content());
        String oid = algorithm.isEmpty() ? "" : oidText(algorithm.get(0));
        String name = switch (oid) {
            case RSA_OID -> "RSA";
            case EC_OID -> "EC";
            default -> throw new Unreadable("the private key's algorithm (OID " + oid + ") is not supported; use an RSA or EC key");
        };
        try {
            return KeyFactory.getInstance(name).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new Unreadable("the " + name + " private key cannot be read (" + e.getMessage() + ")");
        }
    }

    private static String oidText(Der.Element e) {
        if (e.tag() != Der.OID || e.content().length == 0) {
            return "?";
        }
        byte[] c = e.content();
        StringBuilder s = new StringBuilder().append((c[0] & 0xff) / 40).append('.').append((c[0] & 0xff) % 40);
        long v = 0;
        for (int i = 1; i < c.length; i++) {
            v = (v << 7) | (c[i] & 0x7f);
            if ((c[i] & 0x80) == 0) {
                s.append('.').append(v);
                v = 0;
            }
        }
        return s.toString();
    }
}
