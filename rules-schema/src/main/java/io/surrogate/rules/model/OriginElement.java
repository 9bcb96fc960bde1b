package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlAnyElement;
import jakarta.xml.bind.annotation.XmlMixed;
import java.util.ArrayList;
import java.util.List;

/** {@code <origin timeout="5s">http://127.0.0.1:8081</origin>}. */
public class OriginElement extends Located {
    // Mixed content rather than @XmlValue: JAXB records @XmlLocation only for elements bound this way.
    @XmlMixed
    @XmlAnyElement
    private List<Object> content = new ArrayList<>();
    @XmlAttribute(name = "timeout")
    private String timeout;

    public String url() {
        return Texts.of(content);
    }

    public String timeout() {
        return timeout;
    }

    @Override
    public String elementName() {
        return "origin";
    }
}
