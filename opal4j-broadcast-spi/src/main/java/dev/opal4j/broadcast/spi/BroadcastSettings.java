package dev.opal4j.broadcast.spi;

import dev.opal4j.broadcast.spi.internal.UriRedaction;
import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * What a backend needs to connect: the broadcast URI, the channel name ({@code
 * OPAL_BROADCAST_CHANNEL_NAME}, default {@code EventNotifier}), a per-process identity for
 * subscriptions that must be unique (Pulsar, Kafka groups), and the process environment (for
 * backend-specific variables such as {@code KAFKA_*}).
 */
public record BroadcastSettings(URI uri, String channel, String instanceId, Map<String, String> env) {

  public BroadcastSettings {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(instanceId, "instanceId");
    env = Map.copyOf(env);
  }

  /** The URI as it may appear in logs and error messages: any password replaced by {@code ***}. */
  public String redactedUri() {
    return UriRedaction.redact(uri.toString());
  }

  /** An environment variable, or the fallback when unset or blank. */
  public String env(String name, String fallback) {
    String value = env.get(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
