package io.surrogate.cli.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A configuration file as read: TOML, one top-level {@code key = value} per setting. Jackson
 * parses it; {@link TomlKeys} finds where each key stands. Reading never throws: every problem
 * is a {@link ConfigDiagnostic}, and the entries are those that could be read.
 */
public final class ConfigFile {
    /** Larger files are refused: a configuration is a few hundred bytes. */
    static final long MAX_BYTES = 1 << 20;

    private static final TomlMapper TOML = new TomlMapper();

    /** The kind of a TOML value, as far as options care. Dates and times read as strings. */
    public enum Kind {
        STRING("a string"), INTEGER("an integer"), FLOAT("a float"), BOOLEAN("a boolean"), ARRAY("an array"), TABLE("a table");

        private final String article;

        Kind(String article) {
            this.article = article;
        }

        /** "an integer", for messages. */
        public String withArticle() {
            return article;
        }
    }

    /** One element of a value: its kind and its text as an option would take it on the command line. */
    public record Scalar(Kind kind, String text) {}

    /**
     * One top-level key: its value's kind, its scalars (one, or an array's elements), and where
     * the key and the value start (line 0 when the scanner could not place it).
     */
    public record Entry(String key, Kind kind, List<Scalar> scalars, int line, int column, int valueLine, int valueColumn) {}

    private final Path path;
    private final String text;
    private final List<String> lines;
    private final Map<String, Entry> entries;
    private final List<ConfigDiagnostic> diagnostics;

    private ConfigFile(Path path, String text, Map<String, Entry> entries, List<ConfigDiagnostic> diagnostics) {
        this.path = path;
        this.text = text;
        this.lines = text.lines().toList();
        this.entries = entries;
        this.diagnostics = diagnostics;
    }

    public Path path() {
        return path;
    }

    /** The top-level keys read, in file order. */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** Problems found while reading (unreadable, malformed, duplicate keys, tables). */
    public List<ConfigDiagnostic> diagnostics() {
        return diagnostics;
    }

    /** Line {@code n} (1-based) of the file, for rendering; empty when there is none. */
    public String line(int n) {
        return n >= 1 && n <= lines.size() ? lines.get(n - 1) : "";
    }

    String text() {
        return text;
    }

    /** Reads and parses {@code path}. */
    public static ConfigFile read(Path path) {
        String where = path.toString();
        List<ConfigDiagnostic> diagnostics = new ArrayList<>();
        String text;
        try {
            if (!Files.isRegularFile(path)) {
                diagnostics.add(new ConfigDiagnostic(ConfigCode.C101, where, 0, 0,
                        Files.isDirectory(path) ? "is a directory, not a config file" : "no such file", null));
                return new ConfigFile(path, "", Map.of(), List.copyOf(diagnostics));
            }
            if (Files.size(path) > MAX_BYTES) {
                diagnostics.add(new ConfigDiagnostic(ConfigCode.C101, where, 0, 0, "larger than " + MAX_BYTES + " bytes", null));
                return new ConfigFile(path, "", Map.of(), List.copyOf(diagnostics));
            }
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(path))).toString();
        } catch (CharacterCodingException e) {
            diagnostics.add(new ConfigDiagnostic(ConfigCode.C101, where, 0, 0, "not UTF-8 text", "TOML files are UTF-8"));
            return new ConfigFile(path, "", Map.of(), List.copyOf(diagnostics));
        } catch (IOException e) {
            diagnostics.add(new ConfigDiagnostic(ConfigCode.C101, where, 0, 0, "cannot be read: " + e.getMessage(), null));
            return new ConfigFile(path, "", Map.of(), List.copyOf(diagnostics));
        }
        return parse(where, path, text);
    }

    /** Parses {@code text}, reporting positions against {@code where}. */
    static ConfigFile parse(String where, Path path, String text) {
        List<ConfigDiagnostic> diagnostics = new ArrayList<>();
        List<TomlKeys.Key> keys = TomlKeys.scan(text);

        // Duplicates first, all of them: Jackson stops at the first. Each later occurrence is
        // blanked out (newlines kept) so that Jackson reads the rest and reports what else is wrong.
        Map<String, TomlKeys.Key> first = new HashMap<>();
        char[] blanked = text.toCharArray();
        boolean anyDuplicate = false;
        for (TomlKeys.Key k : keys) {
            TomlKeys.Key earlier = first.putIfAbsent((k.table() ? "[" : "") + k.path(), k);
            if (earlier != null && !k.table()) {
                anyDuplicate = true;
                diagnostics.add(new ConfigDiagnostic(ConfigCode.C103, where, k.line(), k.column(), "duplicate key '" + k.path() + "'",
                        "first set at line " + earlier.line() + "; keep one"));
                for (int i = k.start(); i < k.end(); i++) {
                    if (blanked[i] != '\n') {
                        blanked[i] = ' ';
                    }
                }
            }
        }
        JsonNode root;
        try {
            root = TOML.readTree(anyDuplicate ? new String(blanked) : text);
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            int line = at == null ? 0 : Math.max(0, at.getLineNr());
            int column = at == null ? 0 : Math.max(0, at.getColumnNr());
            String message = e.getOriginalMessage();
            diagnostics.add(new ConfigDiagnostic(ConfigCode.C102, where, line, column,
                    "not valid TOML: " + (message == null ? "unreadable" : lowerFirst(message)),
                    "a setting is one line: key = value, with strings in double quotes (see docs/operations.md#configuration)"));
            return new ConfigFile(path, text, Map.of(), List.copyOf(diagnostics));
        }
        Map<String, TomlKeys.Key> topLevel = new HashMap<>();
        for (TomlKeys.Key k : keys) {
            String name = k.table() ? k.path() : k.path().contains(".") ? k.path().substring(0, k.path().indexOf('.')) : k.path();
            topLevel.putIfAbsent(name, k);
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        root.properties().forEach(field -> {
            String key = field.getKey();
            TomlKeys.Key k = topLevel.get(key);
            int line = k == null ? 0 : k.line();
            int column = k == null ? 0 : k.column();
            JsonNode node = field.getValue();
            Kind kind = kind(node);
            List<Scalar> scalars = new ArrayList<>();
            if (kind == Kind.ARRAY) {
                node.forEach(element -> scalars.add(new Scalar(kind(element), text(element))));
            } else if (kind != Kind.TABLE) {
                scalars.add(new Scalar(kind, text(node)));
            }
            entries.put(key, new Entry(key, kind, List.copyOf(scalars), line, column,
                    k == null || k.table() ? line : k.valueLine(), k == null || k.table() ? column : k.valueColumn()));
        });
        return new ConfigFile(path, text, java.util.Collections.unmodifiableMap(entries), List.copyOf(diagnostics));
    }

    private static Kind kind(JsonNode node) {
        if (node.isObject()) {
            return Kind.TABLE;
        }
        if (node.isArray()) {
            return Kind.ARRAY;
        }
        if (node.isBoolean()) {
            return Kind.BOOLEAN;
        }
        if (node.isIntegralNumber()) {
            return Kind.INTEGER;
        }
        if (node.isNumber()) {
            return Kind.FLOAT;
        }
        return Kind.STRING;
    }

    private static String text(JsonNode node) {
        if (node.isIntegralNumber()) {
            return node.bigIntegerValue().toString();
        }
        if (node.isNumber()) {
            return node.decimalValue().toPlainString();
        }
        return node.isContainerNode() ? node.toString() : node.asText();
    }

    private static String lowerFirst(String s) {
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
