package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <match:request.method value>}. */
@XmlRootElement(name = "request.method", namespace = Namespaces.MATCH)
public class RequestMethodMatchElement extends ValueMatchElement {

    @Override
    public String elementName() {
        return "match:request.method";
    }
}
