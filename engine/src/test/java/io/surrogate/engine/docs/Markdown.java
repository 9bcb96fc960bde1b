package io.surrogate.engine.docs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough Markdown for the docs tests: sections by heading, fenced code blocks with their
 * info string, and table rows. Line numbers are 1-based, for failure messages.
 */
final class Markdown {
    static final Path DOCS = Path.of("../docs");

    /** A fenced block: its info string ({@code xml}, {@code text}), its text, the line of its opening fence. */
    record CodeBlock(String info, String text, int line) {}

    /** A heading with everything up to the next heading of the same or a higher level. */
    record Section(int level, String title, int line, List<String> lines) {
        List<CodeBlock> blocks() {
            return Markdown.blocks(lines, line + 1);
        }

        Optional<CodeBlock> firstBlock(String info) {
            return blocks().stream().filter(b -> b.info().equals(info)).findFirst();
        }

        String text() {
            return String.join("\n", lines);
        }
    }

    private static final Pattern HEADING = Pattern.compile("^(#{1,6}) (.+)$");

    private final List<String> lines;

    private Markdown(List<String> lines) {
        this.lines = lines;
    }

    static Markdown read(String name) throws IOException {
        return new Markdown(Files.readAllLines(DOCS.resolve(name), StandardCharsets.UTF_8));
    }

    /** The sections whose heading has exactly this level; fenced code never holds headings. */
    List<Section> sections(int level) {
        List<Section> out = new ArrayList<>();
        boolean fenced = false;
        int start = -1;
        String title = null;
        for (int i = 0; i <= lines.size(); i++) {
            String l = i < lines.size() ? lines.get(i) : null;
            if (l != null && l.startsWith("```")) {
                fenced = !fenced;
            }
            Matcher m = l == null || fenced ? null : HEADING.matcher(l);
            boolean heading = m != null && m.matches();
            if (l == null || heading && m.group(1).length() <= level) {
                if (title != null) {
                    out.add(new Section(level, title, start + 1, List.copyOf(lines.subList(start + 1, i))));
                    title = null;
                }
                if (heading && m.group(1).length() == level) {
                    title = m.group(2);
                    start = i;
                }
            }
        }
        return out;
    }

    List<CodeBlock> blocks() {
        return blocks(lines, 1);
    }

    static List<CodeBlock> blocks(List<String> lines, int firstLine) {
        List<CodeBlock> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.startsWith("```") && l.length() > 3) {
                StringBuilder text = new StringBuilder();
                int j = i + 1;
                while (j < lines.size() && !lines.get(j).equals("```")) {
                    text.append(lines.get(j)).append('\n');
                    j++;
                }
                out.add(new CodeBlock(l.substring(3).trim(), text.toString(), firstLine + i));
                i = j;
            }
        }
        return out;
    }

    String text() {
        return String.join("\n", lines);
    }
}
