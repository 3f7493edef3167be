package dev.opal4j.core.backbone;

import dev.opal4j.protocol.Utf8;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Outbound backbone messages that could not be sent, kept in original order for replay: in this
 * worker's sequence order, so that a message whose send failed only after later ones were buffered
 * (it was in flight when the backbone went away) goes back to its place. Bounded by
 * a message count ({@code OPAL_BROADCAST_REPLAY_BUFFER_SIZE}, 0 disables) and by bytes; on overflow
 * the oldest are dropped and counted, and {@link #overflowedSinceDrain()} tells the supervisor that
 * replay alone can no longer make peers whole (so a resync is forced).
 *
 * <p>Not thread-safe: the supervisor guards it with its send lock.
 */
public final class ReplayBuffer {
  private final int maxMessages;
  private final long maxBytes;
  private final ArrayDeque<Entry> messages = new ArrayDeque<>();
  private long bytes;
  private long dropped;
  private boolean overflowed;

  public ReplayBuffer(int maxMessages, long maxBytes) {
    this.maxMessages = Math.max(0, maxMessages);
    this.maxBytes = maxBytes;
  }

  /** A buffered message and the sequence number it was sent with. */
  record Entry(long sequence, String message) {}

  /** Appends a message after every buffered one; false when buffering is disabled (counted as dropped). */
  public boolean add(String message) {
    return add(messages.isEmpty() ? Long.MIN_VALUE : messages.peekLast().sequence(), message);
  }

  /**
   * Adds a message in the place of its sequence number (after buffered ones with a lower or equal
   * number); false when buffering is disabled (the message is counted as dropped).
   */
  public boolean add(long sequence, String message) {
    if (maxMessages == 0) {
      dropped++;
      overflowed = true;
      return false;
    }
    long size = Utf8.length(message);
    if (messages.isEmpty() || messages.peekLast().sequence() <= sequence) {
      messages.addLast(new Entry(sequence, message));
    } else {
      // Rare (a send that failed late): move the later ones aside, insert, put them back.
      ArrayDeque<Entry> later = new ArrayDeque<>();
      while (!messages.isEmpty() && messages.peekLast().sequence() > sequence) {
        later.addFirst(messages.removeLast());
      }
      messages.addLast(new Entry(sequence, message));
      messages.addAll(later);
    }
    bytes += size;
    while (messages.size() > maxMessages || (bytes > maxBytes && messages.size() > 1)) {
      Entry old = messages.removeFirst();
      bytes -= Utf8.length(old.message());
      dropped++;
      overflowed = true;
    }
    return true;
  }

  /** Removes and returns every buffered message, oldest first. */
  public List<String> drain() {
    return drainEntries().stream().map(Entry::message).toList();
  }

  /** As {@link #drain()}, with each message's sequence number (to buffer it again in its place). */
  List<Entry> drainEntries() {
    List<Entry> all = new ArrayList<>(messages);
    messages.clear();
    bytes = 0;
    return all;
  }

  /** True if messages were dropped since the last {@link #resetOverflow()}. */
  public boolean overflowedSinceDrain() {
    return overflowed;
  }

  public void resetOverflow() {
    overflowed = false;
  }

  public int size() {
    return messages.size();
  }

  public long bytes() {
    return bytes;
  }

  public long droppedCount() {
    return dropped;
  }
}
