package dev.opal4j.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * Server-side expansion of hierarchical data topics, exactly as upstream's {@code
 * DataUpdatePublisher.get_topic_combos}: {@code policy_data/users/keys} gives {@code policy_data},
 * {@code policy_data/users}, {@code policy_data/users/keys}; a prefix before the right-most
 * {@code :} is kept on every level ({@code t1:policy_data/users} gives {@code t1:policy_data},
 * {@code t1:policy_data/users}); an empty prefix is dropped as Python's {@code if prefix:} does.
 */
public final class TopicCombos {
  private TopicCombos() {}

  public static List<String> of(String topic) {
    String prefix = null;
    int colon = topic.lastIndexOf(':');
    if (colon >= 0) {
      prefix = topic.substring(0, colon);
      topic = topic.substring(colon + 1);
    }
    String[] parts = topic.split("/", -1);
    List<String> combos = new ArrayList<>(parts.length);
    StringBuilder level = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        level.append('/');
      }
      level.append(parts[i]);
      combos.add(prefix == null || prefix.isEmpty() ? level.toString() : prefix + ":" + level);
    }
    return combos;
  }

  /** The expansion of every topic, concatenated in order (duplicates kept, as upstream does). */
  public static List<String> ofAll(List<String> topics) {
    List<String> all = new ArrayList<>();
    for (String t : topics) {
      all.addAll(of(t));
    }
    return all;
  }
}
