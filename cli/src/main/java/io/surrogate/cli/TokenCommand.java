package io.surrogate.cli;

import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.TinkTokenCodec;
import io.surrogate.engine.token.TokenClaims;
import io.surrogate.engine.token.TokenException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code surrogate token}: look inside X-Event-Tokens. */
@Command(name = "token",
        description = "Inspect X-Event-Tokens: decode the envelope, or verify and show the claims with the keyring.",
        mixinStandardHelpOptions = true,
        subcommands = {TokenCommand.Decode.class, TokenCommand.Verify.class},
        footer = {"", "Examples:",
                "  surrogate token decode v1.mail-token.AQx...",
                "  surrogate token verify --keys keys --edge-id edge-1 v1.mail-token.AQx..."})
final class TokenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Without a subcommand: the usage, on stderr, and the usage exit code. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return SurrogateCommand.EXIT_USAGE;
    }

    @Command(name = "decode", mixinStandardHelpOptions = true,
            description = {"Show a token's envelope without keys: version, key name, Tink key id, size.",
                    "The claims are encrypted; 'token verify' shows them."},
            footer = {"", "Example:", "  surrogate token decode v1.mail-token.AQx..."})
    static final class Decode implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "TOKEN")
        String token;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Optional<String> key = TinkTokenCodec.keyName(token);
            if (key.isEmpty()) {
                spec.commandLine().getErr().println("error: not a Surrogate token: expected v1.KEYNAME.DATA");
                return SurrogateCommand.EXIT_ERRORS;
            }
            byte[] data;
            try {
                data = Base64.getUrlDecoder().decode(token.substring(3 + key.get().length() + 1));
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("error: the token's data is not base64url");
                return SurrogateCommand.EXIT_ERRORS;
            }
            out.println("version    v1 (AES-256-GCM, claims encrypted)");
            out.println("key        " + key.get());
            if (data.length >= 5 && data[0] == 1) {
                long id = ((data[1] & 0xFFL) << 24) | ((data[2] & 0xFFL) << 16) | ((data[3] & 0xFFL) << 8) | (data[4] & 0xFFL);
                out.println("key id     " + id);
            }
            out.println("size       " + data.length + " bytes of ciphertext");
            out.println("claims     encrypted; use 'surrogate token verify --keys DIR' to see them");
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Open a token with the keyring and check it: authentic, not expired, minted by this edge.",
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:valid", "1:invalid (the reason is printed)", "2:bad usage"},
            footer = {"", "Example:", "  surrogate token verify --keys keys --edge-id edge-1 v1.mail-token.AQx..."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "TOKEN")
        String token;

        @Option(names = "--keys", paramLabel = "DIR", required = true, description = "Keyring directory.")
        Path keys;

        @Option(names = "--edge-id", paramLabel = "ID", defaultValue = "edge-1", description = "The edge that should have minted it (default: ${DEFAULT-VALUE}).")
        String edgeId;

        @Option(names = "--now", paramLabel = "INSTANT", description = "Check expiry at this ISO-8601 instant (default: now).")
        String now;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!Files.isDirectory(keys)) {
                err.println("error: keyring '" + keys + "' does not exist");
                return SurrogateCommand.EXIT_USAGE;
            }
            Instant at;
            try {
                at = now == null ? Instant.now() : Instant.parse(now);
            } catch (DateTimeParseException e) {
                err.println("error: --now '" + now + "' is not an ISO-8601 instant");
                return SurrogateCommand.EXIT_USAGE;
            }
            Keyring ring = Keyring.open(keys);
            try {
                TokenClaims c = TinkTokenCodec.verify(token, ring, edgeId, at);
                out.println("valid");
                Reports.claims(out, c);
                return 0;
            } catch (TokenException e) {
                out.println("invalid: " + e.reason().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ": " + e.getMessage());
                if (e.reason() == TokenException.Reason.EXPIRED || e.reason() == TokenException.Reason.FOREIGN_EDGE
                        || e.reason() == TokenException.Reason.NOT_YET_VALID) {
                    try {
                        Reports.claims(out, TinkTokenCodec.open(token, ring));
                    } catch (TokenException ignored) {
                        // already reported
                    }
                }
                return SurrogateCommand.EXIT_ERRORS;
            }
        }

    }
}
