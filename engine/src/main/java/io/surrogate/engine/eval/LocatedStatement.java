package io.surrogate.engine.eval;

import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.rules.model.SourcePosition;
import java.util.List;

/**
 * What every statement has: its element in canonical form, its attributes, its place in the
 * rule file, and the description traces and decisions quote ({@code <tag attrs> (file:line:col)}),
 * made once here rather than on each request. A leaf prints as an empty element; a statement
 * with text or children overrides {@link #print}.
 */
public abstract class LocatedStatement implements Statement {
    private final String element;
    private final List<CanonicalXml.Attr> attributes;
    private final SourcePosition position;
    private final String syntax;
    private final String description;

    protected LocatedStatement(String element, List<CanonicalXml.Attr> attributes, boolean leaf, SourcePosition position) {
        this.element = element;
        this.attributes = List.copyOf(attributes);
        this.position = position;
        this.syntax = CanonicalXml.tag(element, this.attributes, leaf);
        this.description = syntax + " (" + position + ")";
    }

    protected final String element() {
        return element;
    }

    protected final List<CanonicalXml.Attr> attributes() {
        return attributes;
    }

    @Override
    public final SourcePosition position() {
        return position;
    }

    @Override
    public final String syntax() {
        return syntax;
    }

    @Override
    public void print(CanonicalXml out) {
        out.empty(element, attributes);
    }

    @Override
    public final String toString() {
        return description;
    }
}
