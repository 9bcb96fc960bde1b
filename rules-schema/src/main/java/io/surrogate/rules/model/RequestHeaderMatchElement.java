package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <match:request.header name value>}. */
@XmlRootElement(name = "request.header", namespace = Namespaces.MATCH)
public class RequestHeaderMatchElement extends NamedMatchElement {

    @Override
    public String elementName() {
        return "match:request.header";
    }
}
