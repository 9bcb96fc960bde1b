package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <match:expression value>}: a sandboxed JEXL boolean expression. */
@XmlRootElement(name = "expression", namespace = Namespaces.MATCH)
public class ExpressionMatchElement extends MatchElement {
    @XmlAttribute(name = "value")
    private String value;

    public String value() {
        return value;
    }

    @Override
    public String elementName() {
        return "match:expression";
    }
}
