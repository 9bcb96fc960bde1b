package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <match:query name value>}. */
@XmlRootElement(name = "query", namespace = Namespaces.MATCH)
public class QueryMatchElement extends NamedMatchElement {

    @Override
    public String elementName() {
        return "match:query";
    }
}
