package dev.opal4j.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link NotificationListener} that queues what arrives, for tests and scripts that want to wait
 * for notifications: {@code var q = new NotificationQueue(); OpalSubscriber.connect(ws, token,
 * topics, q); q.poll(Duration.ofSeconds(5))}. Unbounded and thread-safe.
 */
public final class NotificationQueue implements NotificationListener {
  /** One received notification. */
  public record Notification(String topic, JsonNode data) {}

  private final LinkedBlockingQueue<Notification> queue = new LinkedBlockingQueue<>();

  @Override
  public void onNotification(String topic, JsonNode data) {
    queue.add(new Notification(topic, data));
  }

  /** The next notification, or null if none arrives within {@code timeout}. */
  public Notification poll(Duration timeout) throws InterruptedException {
    return queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Removes and returns everything received so far, oldest first. */
  public List<Notification> drain() {
    List<Notification> out = new ArrayList<>();
    queue.drainTo(out);
    return out;
  }

  /** How many notifications are waiting. */
  public int size() {
    return queue.size();
  }
}
