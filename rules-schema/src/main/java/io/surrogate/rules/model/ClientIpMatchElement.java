package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <match:client.ip value>}: CIDR blocks, IPv4 or IPv6. */
@XmlRootElement(name = "client.ip", namespace = Namespaces.MATCH)
public class ClientIpMatchElement extends MatchElement {
    @XmlAttribute(name = "value")
    private String value;

    public String value() {
        return value;
    }

    @Override
    public String elementName() {
        return "match:client.ip";
    }
}
