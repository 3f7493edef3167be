package dev.opal4j.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Receives the server's {@code notify} calls. Called on the connection's reader thread, one
 * notification at a time and in arrival order; the RPC response is sent after it returns, so a
 * slow listener is a slow client (exactly as the Python client behaves).
 */
@FunctionalInterface
public interface NotificationListener {
  /**
   * @param topic {@code subscription.topic} as the server sent it (e.g. {@code policy_data/users}).
   *     The Python client strips a {@code tenant::} prefix before dispatching; this is the raw value.
   * @param data the notification's {@code data} member ({@code NullNode} when JSON null)
   */
  void onNotification(String topic, JsonNode data);
}
