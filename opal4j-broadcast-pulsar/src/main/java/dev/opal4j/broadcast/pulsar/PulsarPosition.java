package dev.opal4j.broadcast.pulsar;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.PositionUnavailableException;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.MessageIdAdv;
import org.apache.pulsar.client.impl.BatchMessageIdImpl;
import org.apache.pulsar.client.impl.MessageIdImpl;

/**
 * A message's place on the {@code broadcast} topic: its ledger, entry and (for a message a peer's
 * producer batched) batch index, encoded as {@code pulsar:<ledger>:<entry>[:<batch>]}. Ledger ids
 * are unique in a cluster, so a position of a deleted topic never names a message of the topic
 * created again. Ordered as the topic is. Immutable.
 */
record PulsarPosition(long ledger, long entry, int batch) implements Comparable<PulsarPosition> {
  private static final String PREFIX = "pulsar:";

  static PulsarPosition of(MessageId id) {
    MessageIdAdv adv = (MessageIdAdv) id;
    return new PulsarPosition(adv.getLedgerId(), adv.getEntryId(), adv.getBatchIndex());
  }

  /** Whether the id names a message at all (an empty topic's last id does not). */
  static boolean isMessage(MessageId id) {
    return id instanceof MessageIdAdv adv && adv.getLedgerId() >= 0 && adv.getEntryId() >= 0;
  }

  MessageId messageId() {
    return batch < 0 ? new MessageIdImpl(ledger, entry, -1) : new BatchMessageIdImpl(ledger, entry, -1, batch);
  }

  BackbonePosition encode() {
    return new BackbonePosition(PREFIX + ledger + ":" + entry + (batch < 0 ? "" : ":" + batch));
  }

  static PulsarPosition decode(BackbonePosition position) throws PositionUnavailableException {
    String value = position.value();
    try {
      if (!value.startsWith(PREFIX)) {
        throw new IllegalArgumentException("not a Pulsar position");
      }
      String[] parts = value.substring(PREFIX.length()).split(":");
      if (parts.length < 2 || parts.length > 3) {
        throw new IllegalArgumentException("expected ledger:entry[:batch]");
      }
      PulsarPosition p = new PulsarPosition(Long.parseLong(parts[0]), Long.parseLong(parts[1]),
          parts.length == 3 ? Integer.parseInt(parts[2]) : -1);
      if (p.ledger < 0 || p.entry < 0) {
        throw new IllegalArgumentException("negative ledger or entry");
      }
      return p;
    } catch (RuntimeException e) {
      throw new PositionUnavailableException("'" + value + "' is not a Pulsar position of this backend ("
          + e.getMessage() + ")", e);
    }
  }

  /** Whether this (a delivered message) is at or past {@code last}, a topic's last message. */
  boolean reached(PulsarPosition last) {
    int byEntry = compareEntries(last);
    return byEntry > 0 || (byEntry == 0 && (last.batch < 0 || batch >= last.batch));
  }

  private int compareEntries(PulsarPosition other) {
    int c = Long.compare(ledger, other.ledger);
    return c != 0 ? c : Long.compare(entry, other.entry);
  }

  @Override
  public int compareTo(PulsarPosition other) {
    int c = compareEntries(other);
    return c != 0 ? c : Integer.compare(batch, other.batch);
  }

  @Override
  public String toString() {
    return encode().value();
  }
}
