package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAnyElement;
import jakarta.xml.bind.annotation.XmlTransient;
import java.util.ArrayList;
import java.util.List;

/** A statement with a body of statements: every match and every combinator. */
@XmlTransient
public abstract class BlockElement extends StatementElement {
    @XmlAnyElement(lax = true)
    private List<Object> body = new ArrayList<>();

    public List<StatementElement> body() {
        return Bodies.statements(body);
    }

    @Override
    public List<Located> children() {
        return located(body);
    }
}
