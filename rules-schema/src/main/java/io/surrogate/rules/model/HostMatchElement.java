package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <match:host value>}: the Host header, without port, case-insensitive. */
@XmlRootElement(name = "host", namespace = Namespaces.MATCH)
public class HostMatchElement extends ValueMatchElement {

    @Override
    public String elementName() {
        return "match:host";
    }
}
