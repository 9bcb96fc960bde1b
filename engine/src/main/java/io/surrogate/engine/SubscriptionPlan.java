package io.surrogate.engine;

/**
 * What {@code edgeservices:event.handle-subscription} decided for one request: who waits for
 * what (rendered for this request), and how (the rule's settings, shared by every request).
 *
 * @param rule the action's rule syntax and location, for logs
 */
public record SubscriptionPlan(String user, String eventId, String customerCode, SubscriptionSettings settings, String rule) {}
