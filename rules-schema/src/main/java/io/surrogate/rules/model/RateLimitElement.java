package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <edgeservices:rate-limit key limit per status>}: a limit per value of a key. */
@XmlRootElement(name = "rate-limit", namespace = Namespaces.EDGESERVICES)
public class RateLimitElement extends StatementElement {
    @XmlAttribute(name = "key")
    private String key;
    @XmlAttribute(name = "limit")
    private String limit;
    @XmlAttribute(name = "per")
    private String per;
    @XmlAttribute(name = "status")
    private String status;

    public String key() {
        return key;
    }

    public String limit() {
        return limit;
    }

    public String per() {
        return per;
    }

    public String status() {
        return status;
    }

    @Override
    public String elementName() {
        return "edgeservices:rate-limit";
    }
}
