package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <match:cookie name value>}. */
@XmlRootElement(name = "cookie", namespace = Namespaces.MATCH)
public class CookieMatchElement extends NamedMatchElement {

    @Override
    public String elementName() {
        return "match:cookie";
    }
}
