package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlValue;

/** {@code <origin timeout="5s">http://127.0.0.1:8081</origin>}. */
public class OriginElement extends Located {
    @XmlValue
    private String url;
    @XmlAttribute(name = "timeout")
    private String timeout;

    public String url() {
        return url == null ? "" : url;
    }

    public String timeout() {
        return timeout;
    }

    @Override
    public String elementName() {
        return "origin";
    }
}
