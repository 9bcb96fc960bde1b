package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAttribute;

/** {@code <transient-failure answer="event-stream" retry-min="1s" retry-max="10s"/>}: how a transient subscribe failure is answered. */
public class TransientFailureElement extends Located {
    @XmlAttribute(name = "answer")
    private String answer;
    @XmlAttribute(name = "retry-min")
    private String retryMin;
    @XmlAttribute(name = "retry-max")
    private String retryMax;

    public String answer() {
        return answer;
    }

    public String retryMin() {
        return retryMin;
    }

    public String retryMax() {
        return retryMax;
    }

    @Override
    public String elementName() {
        return "transient-failure";
    }
}
