package dev.opal4j.core.hub;

import dev.opal4j.protocol.Ids;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which subscriber listens to which topic. A subscriber holds at most one subscription per topic.
 * {@link #ALL_TOPICS} ({@code __EventNotifier_ALL_TOPICS__}) matches every topic. Thread-safe;
 * lookups are lock-free.
 */
public final class TopicRegistry {
  public static final String ALL_TOPICS = "__EventNotifier_ALL_TOPICS__";

  private final Map<String, Map<String, Subscription>> byTopic = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Subscription>> bySubscriber = new ConcurrentHashMap<>();

  /** Adds the topics the subscriber does not hold yet; returns every subscription it now has for them. */
  public List<Subscription> subscribe(Subscriber subscriber, Collection<String> topics) {
    Map<String, Subscription> mine = bySubscriber.computeIfAbsent(subscriber.id(), k -> new ConcurrentHashMap<>());
    List<Subscription> result = new ArrayList<>(topics.size());
    for (String topic : topics) {
      Subscription s = mine.computeIfAbsent(topic, t -> new Subscription(Ids.uuidHex(), t, subscriber));
      byTopic.computeIfAbsent(topic, k -> new ConcurrentHashMap<>()).put(subscriber.id(), s);
      result.add(s);
    }
    return result;
  }

  public void unsubscribe(Subscriber subscriber, Collection<String> topics) {
    Map<String, Subscription> mine = bySubscriber.get(subscriber.id());
    for (String topic : topics) {
      if (mine != null) {
        mine.remove(topic);
      }
      Map<String, Subscription> subs = byTopic.get(topic);
      if (subs != null) {
        subs.remove(subscriber.id());
        if (subs.isEmpty()) {
          byTopic.remove(topic, subs);
        }
      }
    }
  }

  /** Removes every subscription of the subscriber (on disconnect). Idempotent. */
  public void removeAll(Subscriber subscriber) {
    Map<String, Subscription> mine = bySubscriber.remove(subscriber.id());
    if (mine != null) {
      unsubscribe(subscriber, List.copyOf(mine.keySet()));
    }
  }

  /** The subscriptions matching a topic: its direct subscribers (then ALL_TOPICS ones are separate). */
  public Collection<Subscription> subscribersOf(String topic) {
    Map<String, Subscription> subs = byTopic.get(topic);
    return subs == null ? List.of() : subs.values();
  }

  /** The topics a subscriber currently holds. */
  public List<String> topicsOf(Subscriber subscriber) {
    Map<String, Subscription> mine = bySubscriber.get(subscriber.id());
    return mine == null ? List.of() : List.copyOf(mine.keySet());
  }

  public int topicCount() {
    return byTopic.size();
  }
}
