package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <edgeservices:deny status reason>}. */
@XmlRootElement(name = "deny", namespace = Namespaces.EDGESERVICES)
public class DenyElement extends StatementElement {
    @XmlAttribute(name = "status")
    private String status;
    @XmlAttribute(name = "reason")
    private String reason;

    public String status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    @Override
    public String elementName() {
        return "edgeservices:deny";
    }
}
