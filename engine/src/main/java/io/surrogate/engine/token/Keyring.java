package io.surrogate.engine.token;

import com.google.crypto.tink.KeysetHandle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A keyring directory: one Tink keyset per file, {@code NAME.json}, the file name being the
 * name rules use in {@code <key>}. Read once when opened; a file that does not parse is a
 * problem of the keyring, reported, not a crash.
 */
public final class Keyring implements KeySource {
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Path directory;
    private final Map<String, NamedKey> keys;
    private final List<String> problems;

    private Keyring(Path directory, Map<String, NamedKey> keys, List<String> problems) {
        this.directory = directory;
        this.keys = keys;
        this.problems = List.copyOf(problems);
    }

    public static Keyring open(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IOException("keyring '" + directory + "' is not a directory");
        }
        Map<String, NamedKey> keys = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                name = name.substring(0, name.length() - ".json".length());
                if (!NAME.matcher(name).matches()) {
                    problems.add(file + ": '" + name + "' is not a valid key name");
                    continue;
                }
                try {
                    KeysetHandle handle = TinkKeys.fromJson(Files.readString(file, StandardCharsets.UTF_8));
                    Optional<KeyPurpose> purpose = KeyPurpose.of(handle.getPrimary().getKey());
                    if (purpose.isEmpty()) {
                        problems.add(file + ": not a Surrogate key (expected AES-256-GCM, HMAC-SHA256 without prefix or JWT HS256)");
                        continue;
                    }
                    keys.put(name, new NamedKey(name, purpose.get(), handle, false));
                } catch (GeneralSecurityException | RuntimeException e) {
                    problems.add(file + ": not a Tink JSON keyset");
                }
            }
        }
        return new Keyring(directory, keys, problems);
    }

    public Path directory() {
        return directory;
    }

    @Override
    public Optional<NamedKey> find(String name) {
        return Optional.ofNullable(keys.get(name));
    }

    @Override
    public Set<String> names() {
        return keys.keySet();
    }

    @Override
    public boolean throwaway() {
        return false;
    }

    @Override
    public List<String> problems() {
        return problems;
    }

    public static Path fileOf(Path directory, String name) {
        return directory.resolve(name + ".json");
    }

    /** Writes a keyset as NAME.json, readable and writable by its owner only where the file system allows. */
    public static void write(Path directory, String name, KeysetHandle handle) throws IOException, GeneralSecurityException {
        Files.createDirectories(directory);
        Path file = fileOf(directory, name);
        Path temp = Files.createTempFile(directory, "." + name, ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(temp, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: the directory's own protection applies
            }
            Files.writeString(temp, TinkKeys.toJson(handle), StandardCharsets.UTF_8);
            Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** A description of each key id in a keyset, without material: id, status, primary. */
    public static List<String> describe(NamedKey key) {
        List<String> out = new ArrayList<>();
        KeysetHandle h = key.handle();
        int primary = h.getPrimary().getId();
        for (int i = 0; i < h.size(); i++) {
            KeysetHandle.Entry e = h.getAt(i);
            out.add(Integer.toUnsignedString(e.getId()) + " " + e.getStatus().toString().toLowerCase(java.util.Locale.ROOT)
                    + (e.getId() == primary ? " primary" : ""));
        }
        return out;
    }
}
