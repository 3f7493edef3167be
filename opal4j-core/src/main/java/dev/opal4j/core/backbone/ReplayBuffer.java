package dev.opal4j.core.backbone;

import dev.opal4j.protocol.Utf8;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Outbound backbone messages that could not be sent, kept in original order for replay. Bounded by
 * a message count ({@code OPAL_BROADCAST_REPLAY_BUFFER_SIZE}, 0 disables) and by bytes; on overflow
 * the oldest are dropped and counted, and {@link #overflowedSinceDrain()} tells the supervisor that
 * replay alone can no longer make peers whole (so a resync is forced).
 *
 * <p>Not thread-safe: the supervisor guards it with its send lock.
 */
public final class ReplayBuffer {
  private final int maxMessages;
  private final long maxBytes;
  private final ArrayDeque<String> messages = new ArrayDeque<>();
  private long bytes;
  private long dropped;
  private boolean overflowed;

  public ReplayBuffer(int maxMessages, long maxBytes) {
    this.maxMessages = Math.max(0, maxMessages);
    this.maxBytes = maxBytes;
  }

  /** Appends a message; returns false when buffering is disabled (the message is counted as dropped). */
  public boolean add(String message) {
    if (maxMessages == 0) {
      dropped++;
      overflowed = true;
      return false;
    }
    long size = Utf8.length(message);
    messages.addLast(message);
    bytes += size;
    while (messages.size() > maxMessages || (bytes > maxBytes && messages.size() > 1)) {
      String old = messages.removeFirst();
      bytes -= Utf8.length(old);
      dropped++;
      overflowed = true;
    }
    return true;
  }

  /** Removes and returns every buffered message, oldest first, and clears the overflow flag. */
  public List<String> drain() {
    List<String> all = new ArrayList<>(messages);
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
