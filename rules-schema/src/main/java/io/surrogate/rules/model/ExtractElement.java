package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <variable:extract name from key value default transform required>}. */
@XmlRootElement(name = "extract", namespace = Namespaces.VARIABLE)
public class ExtractElement extends StatementElement {
    @XmlAttribute(name = "name")
    private String name;
    @XmlAttribute(name = "from")
    private String from;
    @XmlAttribute(name = "key")
    private String key;
    @XmlAttribute(name = "value")
    private String value;
    @XmlAttribute(name = "default")
    private String defaultValue;
    @XmlAttribute(name = "transform")
    private String transform;
    @XmlAttribute(name = "required")
    private String required;

    public String name() {
        return name;
    }

    public String from() {
        return from;
    }

    public String key() {
        return key;
    }

    public String value() {
        return value;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String transform() {
        return transform;
    }

    public String required() {
        return required;
    }

    @Override
    public String elementName() {
        return "variable:extract";
    }
}
