package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <match:variable name value>}: a variable in scope. */
@XmlRootElement(name = "variable", namespace = Namespaces.MATCH)
public class VariableMatchElement extends NamedMatchElement {

    @Override
    public String elementName() {
        return "match:variable";
    }
}
