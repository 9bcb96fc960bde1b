package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlElements;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code <forward-to-origin><header name="Authorization"/><cookie name="session"/></forward-to-origin>}:
 * the client's headers and cookies the edge passes on to the origin with {@code /subscribe-event}.
 */
public class ForwardToOriginElement extends Located {
    @XmlElements({
        @XmlElement(name = "header", type = ForwardHeaderElement.class),
        @XmlElement(name = "cookie", type = ForwardCookieElement.class)
    })
    private List<Located> items = new ArrayList<>();

    /** The {@code <header>} and {@code <cookie>} children, in document order. */
    public List<Located> items() {
        return List.copyOf(items);
    }

    @Override
    public List<Located> children() {
        return List.copyOf(items);
    }

    @Override
    public String elementName() {
        return "forward-to-origin";
    }
}
