package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <match:all>}. */
@XmlRootElement(name = "all", namespace = Namespaces.MATCH)
public class AllMatchElement extends CombinatorElement {

    @Override
    public String elementName() {
        return "match:all";
    }
}
