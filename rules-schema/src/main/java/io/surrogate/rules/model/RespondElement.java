package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;
import jakarta.xml.bind.annotation.XmlAnyElement;
import jakarta.xml.bind.annotation.XmlMixed;
import java.util.ArrayList;
import java.util.List;

/** {@code <edgeservices:respond status content-type>body</edgeservices:respond>}. */
@XmlRootElement(name = "respond", namespace = Namespaces.EDGESERVICES)
public class RespondElement extends StatementElement {
    @XmlAttribute(name = "status")
    private String status;
    @XmlAttribute(name = "content-type")
    private String contentType;
    // Mixed content rather than @XmlValue: JAXB records @XmlLocation only for elements bound this way.
    @XmlMixed
    @XmlAnyElement
    private List<Object> content = new ArrayList<>();

    public String status() {
        return status;
    }

    public String contentType() {
        return contentType;
    }

    public String body() {
        return Texts.of(content);
    }

    @Override
    public String elementName() {
        return "edgeservices:respond";
    }
}
