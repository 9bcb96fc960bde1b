package io.surrogate.rules.model;

/**
 * A position in a rule file: 1-based line and column. Elements report the position of the
 * {@code <} that opens their start tag.
 */
public record SourcePosition(String file, int line, int column) {
    public static final SourcePosition UNKNOWN = new SourcePosition("<unknown>", 0, 0);

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
