package dev.opal4j.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The message on the backbone, OPAL's {@code BroadcastNotification}: {@code {"notifier_id",
 * "topics", "data"}}. opal4j adds {@code "opal4j_seq"}, a per-origin sequence number that Python
 * peers ignore (pydantic drops unknown members) and opal4j peers use to drop replayed duplicates and
 * detect missed messages.
 *
 * @param notifierId the origin worker's 32-hex id (may be null in messages injected by others)
 * @param topics at least one topic (opal4j sends exactly one, as upstream does)
 * @param dataJson the update as JSON text ({@code null} literal when absent)
 * @param sequence the origin's sequence number, or {@code -1} when the message carries none
 */
public record BroadcastNotification(String notifierId, List<String> topics, String dataJson, long sequence) {

  public BroadcastNotification {
    topics = List.copyOf(topics);
  }

  /** The JSON text as it goes on the backbone (Python separators, upstream member order). */
  public String encode() {
    StringBuilder sb = new StringBuilder(64 + dataJson.length());
    sb.append("{\"notifier_id\": ");
    if (notifierId == null) {
      sb.append("null");
    } else {
      Json.appendQuoted(sb, notifierId);
    }
    sb.append(", \"topics\": [");
    for (int i = 0; i < topics.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      Json.appendQuoted(sb, topics.get(i));
    }
    sb.append("], \"data\": ").append(dataJson);
    if (sequence >= 0) {
      sb.append(", \"opal4j_seq\": ").append(sequence);
    }
    return sb.append('}').toString();
  }

  /**
   * Parses a message heard on the backbone. Unknown members are ignored.
   *
   * @throws ProtocolException when the text is not an object with a {@code topics} list of strings
   */
  public static BroadcastNotification decode(String text) throws ProtocolException {
    JsonNode root;
    try {
      root = Json.parse(text);
    } catch (JsonProcessingException e) {
      throw new ProtocolException(
          CloseCodes.INVALID_PAYLOAD, "backbone message is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new ProtocolException(CloseCodes.POLICY_VIOLATION, "backbone message is not a JSON object");
    }
    JsonNode topicsNode = root.get("topics");
    if (topicsNode == null || !topicsNode.isArray()) {
      throw new ProtocolException(CloseCodes.POLICY_VIOLATION, "backbone message has no 'topics' list");
    }
    List<String> topics = new ArrayList<>(topicsNode.size());
    for (JsonNode t : topicsNode) {
      if (!t.isTextual()) {
        throw new ProtocolException(CloseCodes.POLICY_VIOLATION, "backbone message 'topics' must be strings");
      }
      topics.add(t.textValue());
    }
    JsonNode notifier = root.get("notifier_id");
    String notifierId = notifier == null || notifier.isNull() ? null : notifier.asText();
    JsonNode data = root.get("data");
    String dataJson = data == null ? "null" : Json.write(data);
    JsonNode seq = root.get("opal4j_seq");
    long sequence = seq != null && seq.canConvertToLong() && seq.isIntegralNumber() ? seq.longValue() : -1;
    return new BroadcastNotification(notifierId, topics, dataJson, sequence);
  }
}
