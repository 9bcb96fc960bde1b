package io.surrogate.engine;

import io.surrogate.engine.compile.Compilation;
import io.surrogate.engine.token.KeySource;
import io.surrogate.rules.schema.ReadResult;
import io.surrogate.rules.schema.RuleDocumentReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Compiles rule files into a {@link RuleSet}. Files are read safely and validated against the
 * schema, then compiled in order as if concatenated (a directory contributes its {@code *.xml}
 * files in name order). Every problem of every file is collected; nothing throws for bad input.
 */
public final class RuleCompiler {
    private final KeySource keys;
    private final RuleDocumentReader reader;

    public RuleCompiler(KeySource keys) {
        this(keys, new RuleDocumentReader());
    }

    public RuleCompiler(KeySource keys, RuleDocumentReader reader) {
        this.keys = keys;
        this.reader = reader;
    }

    /** Files and directories, expanded and read. */
    public CompileResult compilePaths(List<Path> paths) {
        List<ReadResult> read = new ArrayList<>();
        for (Path p : expand(paths)) {
            read.add(reader.read(p));
        }
        return compile(read);
    }

    /** One document from memory (tests, fuzzing). */
    public CompileResult compile(String name, byte[] content) {
        return compile(List.of(reader.read(name, content)));
    }

    public CompileResult compile(List<ReadResult> documents) {
        Compilation.Output out = new Compilation(keys).run(documents);
        if (out.hasErrors()) {
            return new CompileResult.Failure(out.diagnostics(), out.sources());
        }
        return new CompileResult.Success(new RuleSet(out.statements(), out.variableNames(), out.files()), out.diagnostics(), out.sources());
    }

    /** Directories become their *.xml files, sorted by name; files stay as given. */
    public static List<Path> expand(List<Path> paths) {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.getFileName().toString().endsWith(".xml") && Files.isRegularFile(f)).sorted().forEach(out::add);
                } catch (IOException e) {
                    out.add(p);
                }
            } else {
                out.add(p);
            }
        }
        return out;
    }
}
