package dev.opal4j.client.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;
import java.util.UUID;

/**
 * Builds {@code obtain-token}'s {@code AccessTokenRequest} body as pydantic v1 prints it:
 * {@code {"id": "<uuid4>", "type": "client", "ttl": 31536000.0, "claims": {}}} (ttl in seconds,
 * a float).
 */
final class TokenRequests {
  /** upstream's {@code PeerType}. */
  enum PeerType { client, datasource, listener }

  private TokenRequests() {}

  static ObjectNode body(UUID id, PeerType type, BigDecimal ttlSeconds, ObjectNode claims) {
    ObjectNode body = Json.object();
    body.put("id", id.toString());
    body.put("type", type.name());
    body.set("ttl", DecimalNode.valueOf(ttlSeconds));
    body.set("claims", claims);
    return body;
  }

  /**
   * {@code timedelta(**{unit: number}).total_seconds()} for upstream's {@code --ttl <int> <unit>}.
   * Microsecond precision, always with a fractional part ({@code 31536000.0}) as Python's float.
   *
   * @throws IllegalArgumentException for a non-integer number or a unit timedelta does not know
   */
  static BigDecimal ttlSeconds(String number, String unit) {
    BigInteger n;
    try {
      n = new BigInteger(number.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--ttl needs '<int> <unit>', e.g. '365 days'; '" + number + "' is not an integer");
    }
    BigDecimal micros = switch (unit.toLowerCase(Locale.ROOT)) {
      case "weeks" -> new BigDecimal(n).multiply(BigDecimal.valueOf(7L * 86_400_000_000L));
      case "days" -> new BigDecimal(n).multiply(BigDecimal.valueOf(86_400_000_000L));
      case "hours" -> new BigDecimal(n).multiply(BigDecimal.valueOf(3_600_000_000L));
      case "minutes" -> new BigDecimal(n).multiply(BigDecimal.valueOf(60_000_000L));
      case "seconds" -> new BigDecimal(n).multiply(BigDecimal.valueOf(1_000_000L));
      case "milliseconds" -> new BigDecimal(n).multiply(BigDecimal.valueOf(1_000L));
      case "microseconds" -> new BigDecimal(n);
      default -> throw new IllegalArgumentException("--ttl unit '" + unit
          + "' is not one of weeks, days, hours, minutes, seconds, milliseconds, microseconds");
    };
    BigDecimal seconds = micros.movePointLeft(6).stripTrailingZeros();
    return seconds.scale() < 1 ? seconds.setScale(1) : seconds;
  }

  /** {@code --claims}: a JSON object. */
  static ObjectNode claims(String json) {
    JsonNode n;
    try {
      n = Json.parse(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("--claims is not valid JSON: " + e.getOriginalMessage());
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("--claims must be a JSON object, e.g. '{\"permitted_topics\": [\"policy_data\"]}'");
    }
    return (ObjectNode) n;
  }
}
