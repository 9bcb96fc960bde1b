package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlElement;
import java.util.List;

/** {@code <token><key/><nonce-source/><lifetime/></token>}. */
public class TokenElement extends Located {
    @XmlElement(name = "key")
    private TextElement key;
    @XmlElement(name = "nonce-source")
    private TextElement nonceSource;
    @XmlElement(name = "lifetime")
    private TextElement lifetime;

    public TextElement key() {
        return TextElements.named(key, "key");
    }

    public TextElement nonceSource() {
        return TextElements.named(nonceSource, "nonce-source");
    }

    public TextElement lifetime() {
        return TextElements.named(lifetime, "lifetime");
    }

    @Override
    public List<Located> children() {
        return present(key(), nonceSource(), lifetime());
    }

    @Override
    public String elementName() {
        return "token";
    }
}
