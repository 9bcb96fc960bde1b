package io.surrogate.cli;

import io.surrogate.engine.CompileResult;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON shapes shared by the commands' --json output. */
final class Reports {
    private Reports() {}

    /** A token's claims as dry-run and 'token verify' print them. */
    static void claims(java.io.PrintWriter out, io.surrogate.engine.token.TokenClaims c) {
        out.println("  edge       " + c.edgeId() + " at " + c.edgeAddress());
        out.println("  customer   " + c.customer());
        out.println("  user       " + DryRunCommand.userOf(c.user()));
        out.println("  event      " + c.event());
        out.println("  type       " + c.type());
        out.println("  nonce      " + c.nonce());
        out.println("  issued     " + java.time.Instant.ofEpochSecond(c.issuedAt()));
        out.println("  expires    " + java.time.Instant.ofEpochSecond(c.expiresAt()));
    }

    static Map<String, Object> ruleSet(List<Path> files, CompileResult result) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("files", files.stream().map(Path::toString).toList());
        m.put("ok", !result.hasErrors());
        if (result instanceof CompileResult.Success s) {
            m.put("fingerprint", s.ruleSet().fingerprint());
        }
        m.put("diagnostics", result.diagnostics().stream().map(ValidateCommand::diagnostic).toList());
        return m;
    }
}
