package io.surrogate.cli;

import com.google.crypto.tink.KeysetHandle;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.TinkKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code surrogate keys}: the keyring, a directory of Tink keysets named as rules name them. */
@Command(name = "keys",
        description = {"Manage the keyring: a directory of Tink keysets, one NAME.json per key, named as <key> names them.",
                "A token key (AES-256-GCM) encrypts X-Event-Tokens; an hmac key (HMAC-SHA256) signs requests to and from the origin."},
        mixinStandardHelpOptions = true,
        subcommands = {KeysCommand.Generate.class, KeysCommand.ListKeys.class, KeysCommand.Rotate.class, KeysCommand.Add.class,
                KeysCommand.Promote.class, KeysCommand.Retire.class, KeysCommand.Export.class},
        footer = {"", "Examples:",
                "  surrogate keys generate ywewu238347i3u --keys keys",
                "  surrogate keys generate origin --type hmac --keys keys",
                "  surrogate keys list --keys keys",
                "  surrogate keys rotate ywewu238347i3u --keys keys",
                "Staged rotation (the origin learns the new secret before the edge signs with it):",
                "  surrogate keys add origin --keys keys",
                "  surrogate keys export origin --id ID --keys keys",
                "  surrogate keys promote origin ID --keys keys",
                "  surrogate keys retire origin OLD-ID --keys keys"})
final class KeysCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Without a subcommand: the usage, on stderr, and the usage exit code. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return SurrogateCommand.EXIT_USAGE;
    }

    abstract static class KeyringOption {
        @Spec
        CommandSpec spec;

        @Option(names = "--keys", paramLabel = "DIR", defaultValue = "keys", description = "Keyring directory (default: ${DEFAULT-VALUE}).")
        Path keys;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        boolean validName(String name) {
            if (!Keyring.NAME.matcher(name).matches()) {
                err().println("error: '" + name + "' is not a key name: letters, digits, '.', '_' or '-', starting with a letter or digit, at most 128");
                return false;
            }
            return true;
        }

        Optional<NamedKey> existing(String name) throws IOException {
            if (!Files.isDirectory(keys)) {
                err().println("error: keyring '" + keys + "' does not exist; create a key with 'surrogate keys generate NAME --keys " + keys + "'");
                return Optional.empty();
            }
            Keyring ring = Keyring.open(keys);
            Optional<NamedKey> key = ring.find(name);
            if (key.isEmpty()) {
                err().println("error: the keyring '" + keys + "' has no key '" + name + "'"
                        + (ring.names().isEmpty() ? "" : "; it has: " + String.join(", ", ring.names())));
            }
            return key;
        }

        /** Reads NAME's keyset, changes it, writes it back; 1 with a message when the change is refused. */
        int change(String name, KeysetChange change, String done) throws IOException, GeneralSecurityException {
            if (!validName(name)) {
                return SurrogateCommand.EXIT_USAGE;
            }
            Optional<NamedKey> key = existing(name);
            if (key.isEmpty()) {
                return SurrogateCommand.EXIT_ERRORS;
            }
            KeysetHandle current = TinkKeys.fromJson(Files.readString(Keyring.fileOf(keys, name)));
            KeysetHandle next;
            try {
                next = change.apply(current, key.get().purpose());
            } catch (GeneralSecurityException e) {
                err().println("error: " + name + ": " + e.getMessage());
                return SurrogateCommand.EXIT_ERRORS;
            }
            Keyring.write(keys, name, next);
            NamedKey changed = Keyring.open(keys).find(name).orElseThrow();
            out().println(done + " " + name + ":");
            for (String id : Keyring.describe(changed)) {
                out().println("  key id " + id);
            }
            return 0;
        }

        int keyId(String text) {
            return TinkKeys.parseId(text).orElseThrow(() -> new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "not a key id: '" + text + "' (a number as 'surrogate keys list' prints it)"));
        }
    }

    @FunctionalInterface
    interface KeysetChange {
        KeysetHandle apply(KeysetHandle current, KeyPurpose purpose) throws GeneralSecurityException;
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Create a key. The file is written readable by its owner only.",
            footer = {"", "Example:", "  surrogate keys generate mail-token --type token --keys keys"})
    static final class Generate extends KeyringOption implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "The key's name, as rules write it in <key>.")
        String name;

        @Option(names = "--type", paramLabel = "TYPE", defaultValue = "token", description = "token (AES-256-GCM), hmac (HMAC-SHA256) or jwt (an HS256 secret variable:jwt verifies tokens with) (default: ${DEFAULT-VALUE}).")
        String type;

        @Option(names = "--force", description = "Replace an existing key (held subscriptions minted with it become invalid).")
        boolean force;

        @Override
        public Integer call() throws IOException, GeneralSecurityException {
            Optional<KeyPurpose> purpose = KeyPurpose.byLabel(type);
            if (purpose.isEmpty()) {
                err().println("error: --type must be 'token', 'hmac' or 'jwt', not '" + type + "'");
                return SurrogateCommand.EXIT_USAGE;
            }
            if (!validName(name)) {
                return SurrogateCommand.EXIT_USAGE;
            }
            Path file = Keyring.fileOf(keys, name);
            if (Files.exists(file) && !force) {
                err().println("error: key '" + name + "' exists in " + keys + "; use 'surrogate keys rotate " + name + "' or --force");
                return SurrogateCommand.EXIT_ERRORS;
            }
            Keyring.write(keys, name, TinkKeys.generate(purpose.get()));
            out().println("generated " + purpose.get().label() + " key '" + name + "' (" + purpose.get().algorithm() + ") in " + file);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the keys: name, type, and each key id with its status. Never prints material.",
            footer = {"", "Example:", "  surrogate keys list --keys keys"})
    static final class ListKeys extends KeyringOption implements Callable<Integer> {
        @Override
        public Integer call() throws IOException {
            if (!Files.isDirectory(keys)) {
                err().println("error: keyring '" + keys + "' does not exist");
                return SurrogateCommand.EXIT_USAGE;
            }
            Keyring ring = Keyring.open(keys);
            if (ring.names().isEmpty() && ring.problems().isEmpty()) {
                out().println("the keyring " + keys + " is empty");
            }
            for (String name : ring.names()) {
                NamedKey k = ring.find(name).orElseThrow();
                out().println(name + "  " + k.purpose().label() + " (" + k.purpose().algorithm() + ")");
                for (String id : Keyring.describe(k)) {
                    out().println("  key id " + id);
                }
            }
            for (String problem : ring.problems()) {
                err().println("warning: " + problem);
            }
            return ring.problems().isEmpty() ? 0 : SurrogateCommand.EXIT_ERRORS;
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = {"Add a new primary key to a keyset; the old keys keep verifying (for an hmac key the origin must hold the new secret first: use add, export --id, promote, retire).",
                    "New tokens and signatures use the new key; held subscriptions survive. Edges pick the change up on reload."},
            footer = {"", "Example:", "  surrogate keys rotate mail-token --keys keys"})
    static final class Rotate extends KeyringOption implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "The key to rotate.")
        String name;

        @Override
        public Integer call() throws IOException, GeneralSecurityException {
            if (!validName(name)) {
                return SurrogateCommand.EXIT_USAGE;
            }
            Optional<NamedKey> key = existing(name);
            if (key.isEmpty()) {
                return SurrogateCommand.EXIT_ERRORS;
            }
            KeysetHandle current = TinkKeys.fromJson(Files.readString(Keyring.fileOf(keys, name)));
            Keyring.write(keys, name, TinkKeys.rotate(current, key.get().purpose()));
            NamedKey rotated = Keyring.open(keys).find(name).orElseThrow();
            out().println("rotated " + name + ": " + Keyring.describe(rotated).size() + " key ids, new primary "
                    + Keyring.describe(rotated).stream().filter(s -> s.endsWith("primary")).findFirst().orElse("?").split(" ")[0]);
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Add a key to a keyset without making it the primary (staged rotation).",
                    "Edges reading the keyring accept it at once (tokens open, delivery signatures verify) but still mint and sign "
                            + "with the primary, so an origin or another edge that does not know the new key yet loses nothing.",
                    "Then: 'keys export NAME --id ID' to the origin (hmac keys), 'keys promote NAME ID', later 'keys retire NAME OLD-ID'."},
            footer = {"", "Example:", "  surrogate keys add origin --keys keys"})
    static final class Add extends KeyringOption implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "The key to add a key id to.")
        String name;

        @Override
        public Integer call() throws IOException, GeneralSecurityException {
            return change(name, TinkKeys::addStaged, "added a key id, not primary, to");
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = {"Make a key id of a keyset its primary: edges mint tokens and sign requests with it from their next reload.",
                    "The old primary stays and keeps verifying. For an hmac key, promote only once the origin holds the new secret."},
            footer = {"", "Example:", "  surrogate keys promote origin 1940377016 --keys keys"})
    static final class Promote extends KeyringOption implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "The key.")
        String name;

        @Parameters(index = "1", paramLabel = "ID", description = "The key id to make primary, as 'keys list' prints it.")
        String id;

        @Override
        public Integer call() throws IOException, GeneralSecurityException {
            int keyId = keyId(id);
            return change(name, (current, purpose) -> TinkKeys.promote(current, keyId), "promoted key id " + id + " of");
        }
    }

    @Command(name = "retire", mixinStandardHelpOptions = true,
            description = {"Remove a key id from a keyset for good; never the primary.",
                    "Tokens and signatures made with it stop verifying at the edges' next reload. A subscription an edge holds is "
                            + "found by its token as sent and keeps receiving; retire a token key id once the longest token "
                            + "lifetime has passed since it stopped being primary, an hmac key id once the origin no longer signs with it."},
            footer = {"", "Example:", "  surrogate keys retire origin 3826592240 --keys keys"})
    static final class Retire extends KeyringOption implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "The key.")
        String name;

        @Parameters(index = "1", paramLabel = "ID", description = "The key id to remove, as 'keys list' prints it.")
        String id;

        @Override
        public Integer call() throws IOException, GeneralSecurityException {
            int keyId = keyId(id);
            return change(name, (current, purpose) -> TinkKeys.retire(current, keyId), "retired key id " + id + " of");
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Print an hmac key's secret, base64, for the origin's configuration (a jwt key's: for the token issuer): "
                    + "the primary's, or the key id --id names.",
                    "This prints secret material: send it to the origin over a secure channel, never to a log."},
            footer = {"", "Example:", "  surrogate keys export origin --keys keys > origin-secret.b64"})
    static final class Export extends KeyringOption implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "An hmac or jwt key.")
        String name;

        @Option(names = "--id", paramLabel = "ID", description = "The key id to export (default: the primary), as 'keys list' prints it.")
        String id;

        @Override
        public Integer call() throws IOException {
            if (!validName(name)) {
                return SurrogateCommand.EXIT_USAGE;
            }
            Optional<NamedKey> key = existing(name);
            if (key.isEmpty()) {
                return SurrogateCommand.EXIT_ERRORS;
            }
            boolean jwt = key.get().purpose() == KeyPurpose.JWT;
            if (!jwt && key.get().purpose() != KeyPurpose.HMAC) {
                err().println("error: '" + name + "' is a token key; only edges read tokens, so it is never exported");
                return SurrogateCommand.EXIT_ERRORS;
            }
            if (id == null) {
                out().println(Base64.getEncoder().encodeToString(jwt ? TinkKeys.jwtSecret(key.get()) : TinkKeys.hmacSecret(key.get())));
                return 0;
            }
            int keyId = keyId(id);
            try {
                out().println(Base64.getEncoder().encodeToString(
                        jwt ? TinkKeys.jwtSecret(key.get(), keyId) : TinkKeys.hmacSecret(key.get(), keyId)));
            } catch (IllegalArgumentException e) {
                err().println("error: " + name + " has no key id " + id + "; 'surrogate keys list --keys " + keys + "' shows them");
                return SurrogateCommand.EXIT_ERRORS;
            }
            return 0;
        }
    }
}
