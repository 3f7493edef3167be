package dev.opal4j.core.hub;

/** One topic a subscriber listens to; {@code id} is the subscription's own 32-hex id. */
public record Subscription(String id, String topic, Subscriber subscriber) {}
