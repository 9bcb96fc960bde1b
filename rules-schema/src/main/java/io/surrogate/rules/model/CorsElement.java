package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <edgeservices:cors allow-origin allow-credentials allow-headers max-age>}: CORS for EventSource. */
@XmlRootElement(name = "cors", namespace = Namespaces.EDGESERVICES)
public class CorsElement extends StatementElement {
    @XmlAttribute(name = "allow-origin")
    private String allowOrigin;
    @XmlAttribute(name = "allow-credentials")
    private String allowCredentials;
    @XmlAttribute(name = "allow-headers")
    private String allowHeaders;
    @XmlAttribute(name = "max-age")
    private String maxAge;

    public String allowOrigin() {
        return allowOrigin;
    }

    public String allowCredentials() {
        return allowCredentials;
    }

    public String allowHeaders() {
        return allowHeaders;
    }

    public String maxAge() {
        return maxAge;
    }

    @Override
    public String elementName() {
        return "edgeservices:cors";
    }
}
