package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlValue;

/** A child element holding text ({@code <user>}, {@code <key>}, {@code <heartbeat>}...). */
public class TextElement extends Located {
    @XmlValue
    private String value;

    /** Set by the parent after unmarshalling, for messages and canonical output. */
    private transient String name = "";

    public String value() {
        return value == null ? "" : value;
    }

    void name(String name) {
        this.name = name;
    }

    @Override
    public String elementName() {
        return name;
    }
}
