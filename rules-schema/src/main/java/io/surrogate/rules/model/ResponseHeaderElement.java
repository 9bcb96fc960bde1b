package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <edgeservices:response.header name value>}. */
@XmlRootElement(name = "response.header", namespace = Namespaces.EDGESERVICES)
public class ResponseHeaderElement extends StatementElement {
    @XmlAttribute(name = "name")
    private String name;
    @XmlAttribute(name = "value")
    private String value;

    public String name() {
        return name;
    }

    public String value() {
        return value;
    }

    @Override
    public String elementName() {
        return "edgeservices:response.header";
    }
}
