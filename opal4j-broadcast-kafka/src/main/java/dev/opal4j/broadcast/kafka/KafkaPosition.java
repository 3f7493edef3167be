package dev.opal4j.broadcast.kafka;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.PositionUnavailableException;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;

/**
 * A place in the channel's topic: the topic's id (a topic deleted and created again under the same
 * name gets a new one) and, per partition, the offset of the next record to read. Encoded as {@code
 * kafka:<topic id>:<partition>=<offset>,...}. Immutable.
 */
record KafkaPosition(Uuid topicId, Map<Integer, Long> nextOffsets) {
  private static final String PREFIX = "kafka:";

  KafkaPosition {
    nextOffsets = Map.copyOf(nextOffsets);
  }

  BackbonePosition encode() {
    StringBuilder s = new StringBuilder(PREFIX).append(topicId).append(':');
    boolean first = true;
    for (Map.Entry<Integer, Long> e : new TreeMap<>(nextOffsets).entrySet()) {
      if (!first) {
        s.append(',');
      }
      first = false;
      s.append(e.getKey()).append('=').append(e.getValue());
    }
    return new BackbonePosition(s.toString());
  }

  static KafkaPosition decode(BackbonePosition position) throws PositionUnavailableException {
    String value = position.value();
    try {
      if (!value.startsWith(PREFIX)) {
        throw new IllegalArgumentException("not a Kafka position");
      }
      int colon = value.indexOf(':', PREFIX.length());
      Uuid topicId = Uuid.fromString(value.substring(PREFIX.length(), colon));
      Map<Integer, Long> offsets = new TreeMap<>();
      String list = value.substring(colon + 1);
      if (!list.isEmpty()) {
        for (String entry : list.split(",")) {
          int eq = entry.indexOf('=');
          long offset = Long.parseLong(entry.substring(eq + 1));
          if (offset < 0) {
            throw new IllegalArgumentException("negative offset");
          }
          offsets.put(Integer.parseInt(entry.substring(0, eq)), offset);
        }
      }
      return new KafkaPosition(topicId, offsets);
    } catch (RuntimeException e) {
      throw new PositionUnavailableException("'" + value + "' is not a Kafka position of this backend ("
          + e.getMessage() + ")", e);
    }
  }
}
