package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;

/** {@code <header name="Authorization"/>} inside {@code <forward-to-origin>}. */
public class ForwardHeaderElement extends Located {
    @XmlAttribute(name = "name")
    private String name;

    public String name() {
        return name;
    }

    @Override
    public String elementName() {
        return "header";
    }
}
