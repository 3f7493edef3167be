package dev.opal4j.broadcast.spi;

import java.util.Objects;

/**
 * Where a message sits in a backbone that keeps its messages for a while (a Kafka offset, a Pulsar
 * {@code MessageId}, a stream entry id): handed to the {@link BroadcastListener} with each message
 * by a {@link ResumableBroadcaster}, and handed back to a new broadcaster of the same backend by
 * {@link ResumableBroadcaster#connect(BackbonePosition)} to continue right after it.
 *
 * <p>The value is opaque to everyone but the backend that wrote it: the backend encodes whatever
 * it needs (offsets of every partition, the topic's identity so that a recreated topic is
 * recognised) as printable text without secrets, and decodes it again. Two positions are equal
 * when their text is. Immutable.
 */
public record BackbonePosition(String value) {

  public BackbonePosition {
    Objects.requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("a backbone position must not be blank");
    }
  }

  /** The encoded text (safe to log). */
  @Override
  public String toString() {
    return value;
  }
}
