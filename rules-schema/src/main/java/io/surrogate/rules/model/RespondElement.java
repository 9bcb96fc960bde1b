package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;
import jakarta.xml.bind.annotation.XmlValue;

/** {@code <edgeservices:respond status content-type>body</edgeservices:respond>}. */
@XmlRootElement(name = "respond", namespace = Namespaces.EDGESERVICES)
public class RespondElement extends StatementElement {
    @XmlAttribute(name = "status")
    private String status;
    @XmlAttribute(name = "content-type")
    private String contentType;
    @XmlValue
    private String body;

    public String status() {
        return status;
    }

    public String contentType() {
        return contentType;
    }

    public String body() {
        return body == null ? "" : body;
    }

    @Override
    public String elementName() {
        return "edgeservices:respond";
    }
}
