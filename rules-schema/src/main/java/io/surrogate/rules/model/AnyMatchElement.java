package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <match:any>}. */
@XmlRootElement(name = "any", namespace = Namespaces.MATCH)
public class AnyMatchElement extends CombinatorElement {

    @Override
    public String elementName() {
        return "match:any";
    }
}
