package io.surrogate.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough Markdown for {@link CliReferenceTest}: sections (each heading with the lines up to
 * the next heading of any level), fenced code blocks with their info string and the comment
 * line right before them, and table rows. Line numbers are 1-based, for failure messages.
 */
final class MarkdownPage {
    static final Path DOCS = Path.of("..", "docs");

    /**
     * A fenced block: its info string ({@code sh}, {@code text}, {@code json}), its text, the line
     * of its opening fence, the HTML comment on the line before it (or null), and whether only
     * blank lines separate it from the previous block.
     */
    record CodeBlock(String info, String text, int line, String comment, boolean followsBlock) {}

    /** A heading with its lines up to the next heading, whatever its level. */
    record Section(int level, String title, int line, List<String> lines) {
        List<CodeBlock> blocks() {
            return MarkdownPage.blocks(lines, line + 1);
        }

        /** The rows of the first table whose header row starts with this cell; cells trimmed, header and rule left out. */
        List<List<String>> table(String firstHeader) {
            List<List<String>> rows = new ArrayList<>();
            boolean in = false;
            for (String l : lines) {
                if (!l.startsWith("|")) {
                    if (in) {
                        break;
                    }
                    continue;
                }
                List<String> cells = cells(l);
                if (!in) {
                    in = cells.get(0).equals(firstHeader);
                } else if (!cells.get(0).matches("-+")) {
                    rows.add(cells);
                }
            }
            return rows;
        }
    }

    private static final Pattern HEADING = Pattern.compile("^(#{1,6}) (.+)$");
    private static final Pattern COMMENT = Pattern.compile("^<!--\\s*(.*?)\\s*-->$");

    private final List<String> lines;

    private MarkdownPage(List<String> lines) {
        this.lines = lines;
    }

    static MarkdownPage read(String name) throws IOException {
        return new MarkdownPage(Files.readAllLines(DOCS.resolve(name), StandardCharsets.UTF_8));
    }

    List<Section> sections() {
        List<Section> out = new ArrayList<>();
        boolean fenced = false;
        int start = -1;
        for (int i = 0; i <= lines.size(); i++) {
            String l = i < lines.size() ? lines.get(i) : null;
            if (l != null && l.startsWith("```")) {
                fenced = !fenced;
            }
            Matcher m = l == null || fenced ? null : HEADING.matcher(l);
            if (l == null || m != null && m.matches()) {
                if (start >= 0) {
                    Matcher h = HEADING.matcher(lines.get(start));
                    h.matches();
                    out.add(new Section(h.group(1).length(), h.group(2), start + 1, List.copyOf(lines.subList(start + 1, i))));
                }
                start = i;
            }
        }
        return out;
    }

    List<CodeBlock> blocks() {
        return blocks(lines, 1);
    }

    static List<CodeBlock> blocks(List<String> lines, int firstLine) {
        List<CodeBlock> out = new ArrayList<>();
        boolean onlyBlankSinceBlock = false;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.startsWith("```") && l.length() > 3) {
                Matcher c = i > 0 ? COMMENT.matcher(lines.get(i - 1).trim()) : null;
                StringBuilder text = new StringBuilder();
                int j = i + 1;
                while (j < lines.size() && !lines.get(j).equals("```")) {
                    text.append(lines.get(j)).append('\n');
                    j++;
                }
                out.add(new CodeBlock(l.substring(3).trim(), text.toString(), firstLine + i,
                        c != null && c.matches() ? c.group(1) : null, onlyBlankSinceBlock));
                i = j;
                onlyBlankSinceBlock = true;
            } else if (!l.isBlank()) {
                onlyBlankSinceBlock = false;
            }
        }
        return out;
    }

    static List<String> cells(String row) {
        String r = row.trim();
        r = r.substring(1, r.endsWith("|") ? r.length() - 1 : r.length());
        List<String> out = new ArrayList<>();
        for (String c : r.split("(?<!\\\\)\\|", -1)) {
            out.add(c.trim().replace("\\|", "|"));
        }
        return out;
    }

    String text() {
        return String.join("\n", lines);
    }
}
