package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAnyElement;
import java.util.ArrayList;
import java.util.List;

/** {@code <when>}: the operands of a combinator, each a match without a body. */
public class WhenElement extends Located {
    @XmlAnyElement(lax = true)
    private List<Object> operands = new ArrayList<>();

    public List<StatementElement> operands() {
        return Bodies.statements(operands);
    }

    @Override
    public List<Located> children() {
        return located(operands);
    }

    @Override
    public String elementName() {
        return "when";
    }
}
