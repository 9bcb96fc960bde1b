package io.surrogate.server.tls;

import io.surrogate.server.LogLine;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.logging.Logger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A listener's key manager that follows its PEM files: at each TLS handshake it compares the
 * files' identity, size and modification time with those it last read (two {@code stat} calls,
 * small beside a handshake) and, when either changed, reads the pair again. A pair that reads
 * and matches is used from that handshake on (connections already open keep theirs); a pair
 * that does not is logged once per change and the one in use is kept. So a certificate renewal
 * needs no restart, and a half-written renewal (the certificate replaced, its key not yet) is
 * never served.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private static final Logger LOG = Logger.getLogger("surrogate.tls");

    /** What the manager serves: a key, its alias (new per reload), and the file stamps it was read at. */
    private record Loaded(CertifiedKey key, String alias, List<Object> stamp) {}

    private final String listener;
    private final PemPair files;
    private volatile Loaded current;
    /** The one before, so a handshake that chose an alias just before a reload still finds its key. */
    private volatile Loaded previous;
    /** The stamp of the last change that failed to load: not retried until the files change again. */
    private volatile List<Object> failedStamp;
    private int generation;

    private ReloadingKeyManager(String listener, PemPair files, CertifiedKey first, List<Object> stamp) {
        this.listener = listener;
        this.files = files;
        this.current = new Loaded(first, alias(1), stamp);
        this.generation = 1;
    }

    /** Reads the pair now; a failure is the caller's (the edge does not start). */
    public static ReloadingKeyManager open(String listener, PemPair files) throws PemReader.Unreadable {
        List<Object> stamp = stamp(files);
        return new ReloadingKeyManager(listener, files, files.load(), stamp);
    }

    /** The key served now. */
    public CertifiedKey current() {
        refresh();
        return current.key();
    }

    private static String alias(int generation) {
        return "edge-" + generation;
    }

    /** Identity, size and time of both files; a file that cannot be read stamps as its absence. */
    private static List<Object> stamp(PemPair files) {
        return List.of(stamp(files.certificate()), stamp(files.key()));
    }

    private static Object stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(String.valueOf(a.fileKey()), a.size(), a.lastModifiedTime().toMillis());
        } catch (IOException e) {
            return "absent";
        }
    }

    /** Reads the files again when they changed since the last read. */
    private void refresh() {
        List<Object> now = stamp(files);
        if (now.equals(current.stamp()) || now.equals(failedStamp)) {
            return;
        }
        synchronized (this) {
            if (now.equals(current.stamp()) || now.equals(failedStamp)) {
                return;
            }
            try {
                CertifiedKey next = files.load();
                generation++;
                previous = current;
                current = new Loaded(next, alias(generation), now);
                failedStamp = null;
                LOG.info(() -> LogLine.of("tls-reloaded").with("listener", listener).with("subject",
                        next.leaf().getSubjectX500Principal().getName()).with("not-after", next.leaf().getNotAfter().toInstant())
                        .with("sha256", next.fingerprint()).toString());
            } catch (PemReader.Unreadable e) {
                failedStamp = now;
                LOG.warning(() -> LogLine.of("tls-reload-failed").with("listener", listener).with("reason", e.getMessage())
                        .with("action", "the certificate in use is kept").toString());
            }
        }
    }

    private Loaded find(String alias) {
        Loaded c = current;
        if (c.alias().equals(alias)) {
            return c;
        }
        Loaded p = previous;
        return p != null && p.alias().equals(alias) ? p : null;
    }

    /** The alias when the key can serve {@code keyType} (RSA, EC, or a TLS 1.2 pair such as EC_EC), else null. */
    private String choose(String keyType) {
        refresh();
        Loaded c = current;
        if (keyType == null) {
            return null;
        }
        int sep = keyType.indexOf('_');
        String wanted = sep < 0 ? keyType : keyType.substring(0, sep);
        return wanted.equals(c.key().algorithm()) ? c.alias() : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return choose(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String a = choose(keyType);
        return a == null ? null : new String[] {a};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Loaded l = find(alias);
        return l == null ? null : l.key().chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Loaded l = find(alias);
        return l == null ? null : l.key().key();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }

    @Override
    public String toString() {
        return "tls(" + listener + ", " + files + ")";
    }
}
