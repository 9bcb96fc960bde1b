package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <match:uri.component value index>}: a path segment equals the value. */
@XmlRootElement(name = "uri.component", namespace = Namespaces.MATCH)
public class UriComponentMatchElement extends ValueMatchElement {
    @XmlAttribute(name = "index")
    private String index;

    public String index() {
        return index;
    }

    @Override
    public String elementName() {
        return "match:uri.component";
    }
}
