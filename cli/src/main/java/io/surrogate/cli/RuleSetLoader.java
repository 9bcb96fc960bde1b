package io.surrogate.cli;

import io.surrogate.engine.RuleCompiler;
import io.surrogate.engine.token.KeySource;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.ThrowawayKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What the commands share: opening the keyring, finding rule sets under a path. */
final class RuleSetLoader {
    private RuleSetLoader() {}

    /** The keyring of --keys, or throwaway keys when none is given. */
    static KeySource keys(Path keysDir) throws IOException {
        return keysDir == null ? new ThrowawayKeys() : Keyring.open(keysDir);
    }

    /**
     * Why {@code path} cannot be the one rule set a command runs, or null when it can: a
     * directory without *.xml files would quietly decide nothing (every request 404), so the
     * message says where the rule sets are, for a directory of rule-set directories such as
     * sample-rules. {@code command} names the command in the message.
     */
    static String notOneRuleSet(Path path, String command) throws IOException {
        if (!Files.isDirectory(path) || !RuleCompiler.expand(List.of(path)).isEmpty()) {
            return null;
        }
        List<String> sets = ruleSets(path).stream().map(set -> set.get(0).getParent().toString()).distinct().toList();
        return "no *.xml rule files in " + path + (sets.isEmpty() ? ""
                : "; " + command + " runs one rule set, and it holds " + sets.size() + ": " + String.join(", ", sets));
    }

    /**
     * The rule sets a path names: a file is one; a directory with *.xml files is one (its files in
     * name order); a directory without is searched for such directories, each its own rule set.
     */
    static List<List<Path>> ruleSets(Path path) throws IOException {
        List<List<Path>> out = new ArrayList<>();
        if (!Files.isDirectory(path)) {
            out.add(List.of(path));
            return out;
        }
        List<Path> xml = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> s = Files.list(path)) {
            s.sorted().forEach(p -> {
                if (Files.isDirectory(p)) {
                    dirs.add(p);
                } else if (p.getFileName().toString().endsWith(".xml")) {
                    xml.add(p);
                }
            });
        }
        if (!xml.isEmpty()) {
            out.add(xml);
            return out;
        }
        for (Path d : dirs) {
            out.addAll(ruleSets(d));
        }
        return out;
    }
}
