package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlTransient;

/** A match: its body runs when the request matches; {@code result="false"} negates it. */
@XmlTransient
public abstract class MatchElement extends BlockElement {
    @XmlAttribute(name = "result")
    private String result;

    /** Raw attribute text, {@code null} when absent (the compiler checks and defaults it). */
    public String result() {
        return result;
    }
}
