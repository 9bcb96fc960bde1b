package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <match:not>}. */
@XmlRootElement(name = "not", namespace = Namespaces.MATCH)
public class NotMatchElement extends CombinatorElement {

    @Override
    public String elementName() {
        return "match:not";
    }
}
