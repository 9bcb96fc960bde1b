package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;

/** {@code <cookie name="session"/>} inside {@code <forward-to-origin>}. */
public class ForwardCookieElement extends Located {
    @XmlAttribute(name = "name")
    private String name;

    public String name() {
        return name;
    }

    @Override
    public String elementName() {
        return "cookie";
    }
}
