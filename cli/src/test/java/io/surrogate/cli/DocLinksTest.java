package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link of docs/*.md and README.md leads somewhere: to a file or directory of the
 * repository and, with a {@code #fragment}, to a heading of that page (GitHub's anchors: lower
 * case, punctuation dropped, spaces as hyphens, a repeated heading numbered {@code -1}, {@code -2}).
 * Links inside code (fenced blocks, backticks) are text, not links.
 */
class DocLinksTest {
    private static final Path ROOT = Path.of("..");
    private static final Pattern LINK = Pattern.compile("!?\\[(?:[^\\]\\[]|\\[[^\\]]*\\])*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:id|name)=\"([^\"]+)\"");

    @Test
    void everyRelativeLinkResolvesToAFileAndAnchor() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        assertThat(pages).hasSizeGreaterThanOrEqualTo(7);
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages) {
            List<String> lines = Files.readAllLines(page, StandardCharsets.UTF_8);
            boolean fenced = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.strip().startsWith("```")) {
                    fenced = !fenced;
                    continue;
                }
                if (fenced || line.startsWith("    ") && !line.strip().startsWith("-") && !line.strip().startsWith("|")) {
                    continue;
                }
                Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", "``"));
                while (m.find()) {
                    String target = m.group(1);
                    if (target.matches("^[a-z][a-z0-9+.-]*:.*")) {
                        continue; // http:, https:, mailto:
                    }
                    checked++;
                    String problem = problem(page, target);
                    if (problem != null) {
                        broken.add(ROOT.relativize(page) + ":" + (i + 1) + ": (" + target + ") " + problem);
                    }
                }
            }
        }
        assertThat(broken).as("broken relative links").isEmpty();
        assertThat(checked).as("relative links checked").isGreaterThan(50);
    }

    @Test
    void anchorsAreGitHubs() {
        assertThat(anchors(List.of("# The rule language", "## Differences from DESIGN.md", "### POST /subscribe-event (edge to origin)",
                "## Children of event.handle-subscription", "## Expressions: the JEXL sandbox", "## `surrogate serve`", "## Notes", "## Notes")))
                .containsExactlyInAnyOrder("the-rule-language", "differences-from-designmd", "post-subscribe-event-edge-to-origin",
                        "children-of-eventhandle-subscription", "expressions-the-jexl-sandbox", "surrogate-serve", "notes", "notes-1");
    }

    /** What is wrong with a link from {@code page} to {@code target}, or null. */
    private static String problem(Path page, String target) throws IOException {
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String fragment = hash < 0 ? null : target.substring(hash + 1);
        Path to = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        if (!Files.exists(to)) {
            return "no such file: " + to;
        }
        if (fragment == null) {
            return null;
        }
        if (!to.toString().endsWith(".md")) {
            return "an anchor in a file that is not Markdown";
        }
        Set<String> anchors = anchors(Files.readAllLines(to, StandardCharsets.UTF_8));
        return anchors.contains(fragment) ? null : "no heading with the anchor #" + fragment + " in " + to.getFileName();
    }

    /** The anchors GitHub gives a page's headings (outside code blocks), and its explicit HTML anchors. */
    static Set<String> anchors(List<String> lines) {
        Set<String> out = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : lines) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                continue;
            }
            Matcher a = HTML_ANCHOR.matcher(line);
            while (a.find()) {
                out.add(a.group(1));
            }
            Matcher h = HEADING.matcher(line);
            if (h.matches()) {
                String slug = h.group(2).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                out.add(n == 0 ? slug : slug + "-" + n);
            }
        }
        return out;
    }
}
