package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlTransient;

/** A match on a named item: present, or its value compared. */
@XmlTransient
public abstract class NamedMatchElement extends ValueMatchElement {
    @XmlAttribute(name = "name")
    private String name;

    public String name() {
        return name;
    }
}
