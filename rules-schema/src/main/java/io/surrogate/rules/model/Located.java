package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlTransient;
import org.glassfish.jaxb.core.annotation.XmlLocation;
import org.xml.sax.Locator;

/** Base of every model element: remembers where the parser saw it. */
@XmlTransient
public abstract class Located {
    @XmlLocation
    @XmlTransient
    private Locator locator;

    /** Position reported by the parser: the end of the start tag. */
    public int reportedLine() {
        return locator == null ? 0 : locator.getLineNumber();
    }

    public int reportedColumn() {
        return locator == null ? 0 : locator.getColumnNumber();
    }

    /** Set by the document reader, which maps parser positions to the start of the tag. */
    @XmlTransient
    private SourcePosition position = SourcePosition.UNKNOWN;

    public SourcePosition position() {
        return position;
    }

    public void position(SourcePosition position) {
        this.position = position;
    }

    /** The element's qualified name as written in canonical form, e.g. {@code match:uri.path}. */
    public abstract String elementName();

    /** Child elements, in document order, for walks over the tree. */
    public java.util.List<Located> children() {
        return java.util.List.of();
    }

    /** Keeps only bound model elements (unknown elements stay as DOM nodes and are skipped). */
    protected static java.util.List<Located> located(java.util.List<?> nodes) {
        if (nodes == null) {
            return java.util.List.of();
        }
        java.util.List<Located> out = new java.util.ArrayList<>(nodes.size());
        for (Object node : nodes) {
            if (node instanceof Located l) {
                out.add(l);
            }
        }
        return out;
    }

    /** Adds the non-null elements to a list, in order. */
    protected static java.util.List<Located> present(Located... elements) {
        java.util.List<Located> out = new java.util.ArrayList<>(elements.length);
        for (Located e : elements) {
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }
}
