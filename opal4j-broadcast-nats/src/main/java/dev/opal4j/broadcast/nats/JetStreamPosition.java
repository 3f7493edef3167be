package dev.opal4j.broadcast.nats;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.PositionUnavailableException;

/**
 * A place in a channel's JetStream stream: the stream's name, when it was created (in nanoseconds
 * since the epoch: a stream deleted and created again under the same name gets another), and the
 * stream sequence of the last message handled, or where a subscription began (0: before the
 * first). Encoded as {@code jetstream:<stream>:<created>:<sequence>}. Immutable.
 */
record JetStreamPosition(String stream, long created, long sequence) {
  private static final String PREFIX = "jetstream:";

  BackbonePosition encode() {
    return new BackbonePosition(PREFIX + stream + ":" + created + ":" + sequence);
  }

  static JetStreamPosition decode(BackbonePosition position) throws PositionUnavailableException {
    String value = position.value();
    try {
      if (!value.startsWith(PREFIX)) {
        throw new IllegalArgumentException("not a JetStream position");
      }
      // The stream name comes first and may itself hold ':'; the two numbers are the last fields.
      int lastColon = value.lastIndexOf(':');
      int createdColon = value.lastIndexOf(':', lastColon - 1);
      if (createdColon <= PREFIX.length()) {
        throw new IllegalArgumentException("no stream name, creation time and sequence");
      }
      long sequence = Long.parseLong(value.substring(lastColon + 1));
      long created = Long.parseLong(value.substring(createdColon + 1, lastColon));
      if (sequence < 0) {
        throw new IllegalArgumentException("a negative sequence");
      }
      return new JetStreamPosition(value.substring(PREFIX.length(), createdColon), created, sequence);
    } catch (RuntimeException e) {
      throw new PositionUnavailableException("'" + value + "' is not a position of the NATS JetStream backbone ("
          + e.getMessage() + ")", e);
    }
  }
}
