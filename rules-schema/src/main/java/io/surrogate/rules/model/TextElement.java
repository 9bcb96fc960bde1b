package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAnyElement;
import jakarta.xml.bind.annotation.XmlMixed;
import java.util.ArrayList;
import java.util.List;

/** A child element holding text ({@code <user>}, {@code <key>}, {@code <heartbeat>}...). */
public class TextElement extends Located {
    // Mixed content rather than @XmlValue: JAXB records @XmlLocation only for elements bound this way.
    @XmlMixed
    @XmlAnyElement
    private List<Object> content = new ArrayList<>();

    /** Set by the parent after unmarshalling, for messages and canonical output. */
    private transient String name = "";

    public String value() {
        return Texts.of(content);
    }

    void name(String name) {
        this.name = name;
    }

    @Override
    public String elementName() {
        return name;
    }
}
