package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlTransient;

/** A match that compares a value, with the ignore-case, wildcard and regex switches. */
@XmlTransient
public abstract class ValueMatchElement extends MatchElement {
    @XmlAttribute(name = "value")
    private String value;
    @XmlAttribute(name = "ignore-case")
    private String ignoreCase;
    @XmlAttribute(name = "wildcard")
    private String wildcard;
    @XmlAttribute(name = "regex")
    private String regex;

    public String value() {
        return value;
    }

    public String ignoreCase() {
        return ignoreCase;
    }

    public String wildcard() {
        return wildcard;
    }

    public String regex() {
        return regex;
    }
}
