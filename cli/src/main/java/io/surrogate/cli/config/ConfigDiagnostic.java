package io.surrogate.cli.config;

/**
 * One problem with the configuration: where ({@code file:line:col}, or the name of an
 * environment variable with no line), what, and how to fix it when there is something to say.
 * Every configuration problem is an error: a serve that half-reads its configuration would run
 * with settings nobody chose.
 */
public record ConfigDiagnostic(ConfigCode code, String where, int line, int column, String message, String help) {

    /** {@code file:line:col: error[C201]: message}; without a line, {@code where: error[...]}. */
    public String headline() {
        String at = line <= 0 ? where : column <= 0 ? where + ":" + line : where + ":" + line + ":" + column;
        return at + ": error[" + code + "]: " + message;
    }

    /** The headline, the source line with a caret under the column when there is one, and the help line. */
    public String render(String sourceLine) {
        StringBuilder out = new StringBuilder(headline()).append('\n');
        String gutter = " ".repeat(String.valueOf(Math.max(line, 1)).length());
        if (line > 0 && sourceLine != null && !sourceLine.isBlank()) {
            String shown = sourceLine.replace('\t', ' ');
            out.append(gutter).append(" |\n");
            out.append(line).append(" | ").append(shown).append('\n');
            if (column > 0) {
                int caret = Math.min(column, shown.length() + 1);
                out.append(gutter).append(" | ").append(" ".repeat(caret - 1)).append("^\n");
            }
        }
        if (help != null && !help.isBlank()) {
            out.append(gutter).append(" = help: ").append(help).append('\n');
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return headline();
    }
}
