package io.surrogate.engine.print;

import io.surrogate.rules.model.Namespaces;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the canonical form of a rule set: fixed prefixes (default namespace for rules,
 * {@code match:}, {@code variable:}, {@code edgeservices:}), two-space indentation, attributes
 * in a fixed order per element, defaults left out, one element per line. Equal rule sets print equal bytes;
 * the fingerprint is the SHA-256 of this text.
 */
public final class CanonicalXml {
    /** An attribute; a null value is left out. */
    public record Attr(String name, String value) {}

    private final StringBuilder out = new StringBuilder(4096);
    private int depth;

    public static List<Attr> attrs(String... nameValuePairs) {
        List<Attr> out = new ArrayList<>(nameValuePairs.length / 2);
        for (int i = 0; i + 1 < nameValuePairs.length; i += 2) {
            if (nameValuePairs[i + 1] != null) {
                out.add(new Attr(nameValuePairs[i], nameValuePairs[i + 1]));
            }
        }
        return out;
    }

    public CanonicalXml openRoot() {
        out.append("<rules xmlns=\"").append(Namespaces.RULES).append("\"\n")
                .append("       xmlns:match=\"").append(Namespaces.MATCH).append("\"\n")
                .append("       xmlns:variable=\"").append(Namespaces.VARIABLE).append("\"\n")
                .append("       xmlns:edgeservices=\"").append(Namespaces.EDGESERVICES).append("\">\n");
        depth = 1;
        return this;
    }

    public CanonicalXml closeRoot() {
        depth = 0;
        out.append("</rules>\n");
        return this;
    }

    public CanonicalXml start(String name, List<Attr> attrs) {
        indent().append(tag(name, attrs, false)).append('\n');
        depth++;
        return this;
    }

    public CanonicalXml end(String name) {
        depth--;
        indent().append("</").append(name).append(">\n");
        return this;
    }

    public CanonicalXml empty(String name, List<Attr> attrs) {
        indent().append(tag(name, attrs, true)).append('\n');
        return this;
    }

    public CanonicalXml text(String name, List<Attr> attrs, String text) {
        indent().append(tag(name, attrs, false)).append(escapeText(text)).append("</").append(name).append(">\n");
        return this;
    }

    private StringBuilder indent() {
        for (int i = 0; i < depth; i++) {
            out.append("  ");
        }
        return out;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    /** A start tag in rule syntax, as traces and messages show an element. */
    public static String tag(String name, List<Attr> attrs, boolean selfClosing) {
        StringBuilder t = new StringBuilder("<").append(name);
        for (Attr a : attrs) {
            t.append(' ').append(a.name()).append("=\"").append(escapeAttribute(a.value())).append('"');
        }
        return t.append(selfClosing ? "/>" : ">").toString();
    }

    public static String escapeAttribute(String s) {
        return escape(s, true);
    }

    public static String escapeText(String s) {
        return escape(s, false);
    }

    /** Text needs &amp;, &lt;, &gt; and CR escaped; an attribute also quotes and the white space XML would normalise. */
    private static String escape(String s, boolean attribute) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '\r' -> out.append("&#13;");
                case '"' -> out.append(attribute ? "&quot;" : "\"");
                case '\t' -> out.append(attribute ? "&#9;" : "\t");
                case '\n' -> out.append(attribute ? "&#10;" : "\n");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
