package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/** {@code <match:post name value>}: a form or JSON body field. */
@XmlRootElement(name = "post", namespace = Namespaces.MATCH)
public class PostMatchElement extends NamedMatchElement {

    @Override
    public String elementName() {
        return "match:post";
    }
}
