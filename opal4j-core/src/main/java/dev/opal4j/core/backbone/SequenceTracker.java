package dev.opal4j.core.backbone;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Follows each opal4j peer's message sequence ({@code opal4j_seq}) to drop replayed duplicates and
 * detect gaps: a jump means this worker missed a peer's message and its clients must resync. Peers
 * are keyed by notifier id (new per process start, so a restarted peer starts a new sequence). The
 * table is bounded (least recently heard peers are forgotten). Thread-safe (synchronized).
 */
public final class SequenceTracker {
  /** What to do with a received message. */
  public enum Verdict { DELIVER, DUPLICATE, DELIVER_AFTER_GAP }

  private final Map<String, Long> lastByPeer;

  public SequenceTracker(int maxPeers) {
    this.lastByPeer =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > maxPeers;
          }
        };
  }

  public synchronized Verdict observe(String peerId, long sequence) {
    if (peerId == null || sequence < 0) {
      return Verdict.DELIVER;
    }
    Long last = lastByPeer.get(peerId);
    if (last == null) {
      lastByPeer.put(peerId, sequence);
      return Verdict.DELIVER;
    }
    if (sequence <= last) {
      return Verdict.DUPLICATE;
    }
    lastByPeer.put(peerId, sequence);
    return sequence == last + 1 ? Verdict.DELIVER : Verdict.DELIVER_AFTER_GAP;
  }
}
