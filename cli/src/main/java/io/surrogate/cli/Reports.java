package io.surrogate.cli;

import io.surrogate.engine.CompileResult;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON shapes shared by the commands' --json output. */
final class Reports {
    private Reports() {}

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
