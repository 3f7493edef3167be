package dev.opal4j.broadcast.memory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The shared state of one {@code memory://} URI: its subscribers per channel, and an availability
 * switch so that in-process tests can take the backbone down and bring it back.
 *
 * <p>Thread-safe. Delivery is synchronous on the publisher's thread, in subscription order.
 */
public final class MemoryBackbone {
  private static final Map<String, MemoryBackbone> BY_NAME = new ConcurrentHashMap<>();

  private final Map<String, Set<MemoryBroadcaster>> subscribers = new ConcurrentHashMap<>();
  private volatile boolean available = true;

  public static MemoryBackbone named(String uri) {
    return BY_NAME.computeIfAbsent(uri, k -> new MemoryBackbone());
  }

  public boolean isAvailable() {
    return available;
  }

  /** Takes the backbone down: every subscription is lost and publishes fail until {@link #restore()}. */
  public void breakDown() {
    available = false;
    for (Set<MemoryBroadcaster> set : subscribers.values()) {
      for (MemoryBroadcaster b : set) {
        set.remove(b);
        b.lost(new IllegalStateException("memory backbone taken down"));
      }
    }
  }

  public void restore() {
    available = true;
  }

  void subscribe(String channel, MemoryBroadcaster b) {
    subscribers.computeIfAbsent(channel, k -> new CopyOnWriteArraySet<>()).add(b);
  }

  void unsubscribe(String channel, MemoryBroadcaster b) {
    Set<MemoryBroadcaster> set = subscribers.get(channel);
    if (set != null) {
      set.remove(b);
    }
  }

  void publish(String channel, String message) {
    Set<MemoryBroadcaster> set = subscribers.get(channel);
    if (set != null) {
      for (MemoryBroadcaster b : set) {
        b.deliver(message);
      }
    }
  }

}
