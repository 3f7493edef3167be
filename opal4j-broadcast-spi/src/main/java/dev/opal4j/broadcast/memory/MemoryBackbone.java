package dev.opal4j.broadcast.memory;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.PositionUnavailableException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The shared state of one {@code memory://} URI: its subscribers per channel, and an availability
 * switch so that in-process tests can take the backbone down and bring it back.
 *
 * {@link #isolate(String)} cuts one process off while the others go on.
 *
 * <p>By default it keeps no messages, like Redis pub/sub. A test can make it keep the last messages
 * of each channel ({@link #retain(int)}), which makes its broadcasters {@linkplain
 * dev.opal4j.broadcast.spi.ResumableBroadcaster resumable}, and then lose them as a real log does
 * ({@link #forgetRetained()}: retention expired; {@link #recreate()}: topic deleted and created
 * again).
 *
 * <p>Thread-safe. Delivery is synchronous on the publisher's thread, in subscription order; while
 * retaining, publishes and resumes are serialised so that a resumed subscriber sees the log and
 * then the live messages in one order.
 */
public final class MemoryBackbone {
  private static final Map<String, MemoryBackbone> BY_NAME = new ConcurrentHashMap<>();

  private final Map<String, Set<MemoryBroadcaster>> subscribers = new ConcurrentHashMap<>();
  private final Object logLock = new Object();
  private final Map<String, Log> logs = new ConcurrentHashMap<>(); // guarded by logLock
  private final Set<String> isolated = ConcurrentHashMap.newKeySet();
  private volatile boolean available = true;
  private volatile int retain;
  private String epoch = newEpoch(); // guarded by logLock

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

  /**
   * Cuts one process off (its broadcasters, by instance id): their subscriptions are lost, and
   * they can neither connect nor publish until {@link #rejoin(String)}, while everyone else goes on.
   */
  public void isolate(String instanceId) {
    isolated.add(instanceId);
    for (Set<MemoryBroadcaster> set : subscribers.values()) {
      for (MemoryBroadcaster b : set) {
        if (b.instanceId.equals(instanceId)) {
          set.remove(b);
          b.lost(new IllegalStateException("cut off from the memory backbone"));
        }
      }
    }
  }

  public void rejoin(String instanceId) {
    isolated.remove(instanceId);
  }

  /** Whether a broadcaster of this process can reach the backbone. */
  boolean reachableBy(String instanceId) {
    return available && !isolated.contains(instanceId);
  }

  /**
   * Keeps the last {@code messages} messages of each channel from now on (0: none, the default), so
   * that broadcasters created from now on can resume. Messages published before are not kept.
   */
  public void retain(int messages) {
    synchronized (logLock) {
      retain = Math.max(0, messages);
    }
  }

  /** Whether this backbone keeps messages (its broadcasters are resumable). */
  public boolean retains() {
    return retain > 0;
  }

  /** Drops every kept message, as a log whose retention expired: older positions are gone. */
  public void forgetRetained() {
    synchronized (logLock) {
      for (Log log : logs.values()) {
        log.messages.clear();
        log.first = log.next;
      }
    }
  }

  /** Forgets every channel's log and numbering, as a topic deleted and created again. */
  public void recreate() {
    synchronized (logLock) {
      logs.clear();
      epoch = newEpoch();
    }
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
    if (retain == 0) {
      deliver(channel, message, null);
      return;
    }
    synchronized (logLock) {
      Log log = logs.computeIfAbsent(channel, k -> new Log());
      long index = log.next++;
      log.messages.addLast(message);
      while (log.messages.size() > retain) {
        log.messages.removeFirst();
        log.first++;
      }
      deliver(channel, message, position(index));
    }
  }

  private void deliver(String channel, String message, BackbonePosition position) {
    Set<MemoryBroadcaster> set = subscribers.get(channel);
    if (set != null) {
      for (MemoryBroadcaster b : set) {
        b.deliver(message, position);
      }
    }
  }

  /** Subscribes at the end of the log; returns the position just before the next message. */
  BackbonePosition subscribeAtEnd(String channel, MemoryBroadcaster b) {
    synchronized (logLock) {
      subscribe(channel, b);
      return position(logs.computeIfAbsent(channel, k -> new Log()).next - 1);
    }
  }

  /**
   * Subscribes right after {@code after}: delivers the kept messages that follow it, then calls
   * {@code caughtUp}, all before any message published meanwhile.
   */
  void subscribeAfter(String channel, MemoryBroadcaster b, BackbonePosition after, Runnable caughtUp)
      throws PositionUnavailableException {
    synchronized (logLock) {
      Log log = logs.computeIfAbsent(channel, k -> new Log());
      long index = index(after);
      if (index >= log.next) {
        throw new PositionUnavailableException("position " + after + " is beyond the end of the memory log ("
            + (log.next - 1) + ")");
      }
      if (index + 1 < log.first) {
        throw new PositionUnavailableException("the memory log no longer holds the messages after position " + after
            + " (it keeps from " + log.first + " on)");
      }
      List<String> backlog = new ArrayList<>(log.messages).subList((int) (index + 1 - log.first), log.messages.size());
      subscribe(channel, b);
      long i = index + 1;
      for (String message : backlog) {
        b.deliver(message, position(i++));
      }
      caughtUp.run();
    }
  }

  // called with logLock held
  private BackbonePosition position(long index) {
    return new BackbonePosition(epoch + ":" + index);
  }

  // called with logLock held
  private long index(BackbonePosition position) throws PositionUnavailableException {
    String value = position.value();
    int colon = value.lastIndexOf(':');
    if (colon < 0 || !value.substring(0, colon).equals(epoch)) {
      throw new PositionUnavailableException("position " + position + " is not of this memory log (epoch " + epoch
          + "): it was recreated");
    }
    try {
      return Long.parseLong(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new PositionUnavailableException("unreadable memory log position " + position, e);
    }
  }

  private static String newEpoch() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  /** One channel's kept messages: {@code messages} holds indexes {@code first .. next-1}. */
  private static final class Log {
    final ArrayDeque<String> messages = new ArrayDeque<>();
    long first;
    long next;
  }
}
