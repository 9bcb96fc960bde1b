package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <match:uri.path value prefix>}: the path, exact, by prefix, wildcard or regex with named captures. */
@XmlRootElement(name = "uri.path", namespace = Namespaces.MATCH)
public class UriPathMatchElement extends ValueMatchElement {
    @XmlAttribute(name = "prefix")
    private String prefix;

    public String prefix() {
        return prefix;
    }

    @Override
    public String elementName() {
        return "match:uri.path";
    }
}
