package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlRootElement;

/**
 * {@code <variable:jwt from key algorithms jwks keys issuer audience clock-skew claims status>}:
 * a verified JSON Web Token whose claims become variables.
 */
@XmlRootElement(name = "jwt", namespace = Namespaces.VARIABLE)
public class JwtElement extends StatementElement {
    @XmlAttribute(name = "from")
    private String from;
    @XmlAttribute(name = "key")
    private String key;
    @XmlAttribute(name = "algorithms")
    private String algorithms;
    @XmlAttribute(name = "jwks")
    private String jwks;
    @XmlAttribute(name = "keys")
    private String keys;
    @XmlAttribute(name = "issuer")
    private String issuer;
    @XmlAttribute(name = "audience")
    private String audience;
    @XmlAttribute(name = "clock-skew")
    private String clockSkew;
    @XmlAttribute(name = "claims")
    private String claims;
    @XmlAttribute(name = "status")
    private String status;

    public String from() {
        return from;
    }

    public String key() {
        return key;
    }

    public String algorithms() {
        return algorithms;
    }

    public String jwks() {
        return jwks;
    }

    public String keys() {
        return keys;
    }

    public String issuer() {
        return issuer;
    }

    public String audience() {
        return audience;
    }

    public String clockSkew() {
        return clockSkew;
    }

    public String claims() {
        return claims;
    }

    public String status() {
        return status;
    }

    @Override
    public String elementName() {
        return "variable:jwt";
    }
}
