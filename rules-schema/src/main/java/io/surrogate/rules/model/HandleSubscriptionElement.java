package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlRootElement;
import java.util.List;

/** {@code <edgeservices:event.handle-subscription>}: subscribe the client and hold it. */
@XmlRootElement(name = "event.handle-subscription", namespace = Namespaces.EDGESERVICES)
public class HandleSubscriptionElement extends StatementElement {
    @XmlElement(name = "token")
    private TokenElement token;
    @XmlElement(name = "user")
    private TextElement user;
    @XmlElement(name = "event-id")
    private TextElement eventId;
    @XmlElement(name = "customer-code")
    private TextElement customerCode;
    @XmlElement(name = "origin")
    private OriginElement origin;
    @XmlElement(name = "origin-key")
    private TextElement originKey;
    @XmlElement(name = "subscription-type")
    private TextElement subscriptionType;
    @XmlElement(name = "transport")
    private TextElement transport;
    @XmlElement(name = "heartbeat")
    private TextElement heartbeat;
    @XmlElement(name = "retry")
    private TextElement retry;
    @XmlElement(name = "replay-buffer")
    private TextElement replayBuffer;
    @XmlElement(name = "forward-rejection-body")
    private TextElement forwardRejectionBody;
    @XmlElement(name = "forward-to-origin")
    private ForwardToOriginElement forwardToOrigin;
    @XmlElement(name = "max-clients")
    private TextElement maxClients;
    @XmlElement(name = "transient-failure")
    private TransientFailureElement transientFailure;

    public TokenElement token() {
        return token;
    }

    public TextElement user() {
        return TextElements.named(user, "user");
    }

    public TextElement eventId() {
        return TextElements.named(eventId, "event-id");
    }

    public TextElement customerCode() {
        return TextElements.named(customerCode, "customer-code");
    }

    public OriginElement origin() {
        return origin;
    }

    public TextElement originKey() {
        return TextElements.named(originKey, "origin-key");
    }

    public TextElement subscriptionType() {
        return TextElements.named(subscriptionType, "subscription-type");
    }

    public TextElement transport() {
        return TextElements.named(transport, "transport");
    }

    public TextElement heartbeat() {
        return TextElements.named(heartbeat, "heartbeat");
    }

    public TextElement retry() {
        return TextElements.named(retry, "retry");
    }

    public TextElement replayBuffer() {
        return TextElements.named(replayBuffer, "replay-buffer");
    }

    public TextElement forwardRejectionBody() {
        return TextElements.named(forwardRejectionBody, "forward-rejection-body");
    }

    public ForwardToOriginElement forwardToOrigin() {
        return forwardToOrigin;
    }

    public TextElement maxClients() {
        return TextElements.named(maxClients, "max-clients");
    }

    public TransientFailureElement transientFailure() {
        return transientFailure;
    }

    @Override
    public List<Located> children() {
        return present(token, user(), eventId(), customerCode(), origin, originKey(), subscriptionType(),
                transport(), heartbeat(), retry(), replayBuffer(), forwardRejectionBody(), transientFailure, forwardToOrigin, maxClients());
    }

    @Override
    public String elementName() {
        return "edgeservices:event.handle-subscription";
    }
}
