package dev.opal4j.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.PythonJson;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Turns a moved branch into the {@code policy:<dir>} notification upstream's watcher publishes
 * (opal-protocol.md §2): the changed files with a tracked extension ({@code
 * OPAL_FILTER_FILE_EXTENSIONS}; the ignore globs do not apply here, as upstream), all their parent
 * directories sorted, {@code "."} first, one topic per directory. No tracked file changed means no
 * notification. Immutable and thread-safe.
 */
public final class PolicyUpdates {
  /** The prefix of every policy topic. */
  public static final String TOPIC_PREFIX = "policy:";

  private final List<String> extensions;

  public PolicyUpdates(List<String> fileExtensions) {
    this.extensions = List.copyOf(fileExtensions);
  }

  public static PolicyUpdates forSettings(PolicyRepoSettings settings) {
    return new PolicyUpdates(settings.filterFileExtensions());
  }

  /**
   * A notification to publish on {@code topics}, with {@link #data()} as its payload.
   *
   * @param changedDirectories the directories in {@code changed_directories}, {@code "."} first
   */
  public record PolicyUpdate(
      List<String> topics, String oldPolicyHash, String newPolicyHash, List<String> changedDirectories) {
    public PolicyUpdate {
      topics = List.copyOf(topics);
      changedDirectories = List.copyOf(changedDirectories);
    }

    /** {@code {"old_policy_hash", "new_policy_hash", "changed_directories"}}, upstream's order. */
    public ObjectNode data() {
      ObjectNode n = Json.object();
      n.put("old_policy_hash", oldPolicyHash);
      n.put("new_policy_hash", newPolicyHash);
      ArrayNode dirs = n.putArray("changed_directories");
      changedDirectories.forEach(dirs::add);
      return n;
    }

    /** {@link #data()} as JSON text with Python's separators. */
    public String dataJson() {
      return PythonJson.write(data());
    }
  }

  /** The notification for a branch move, or empty when no tracked file changed. */
  public Optional<PolicyUpdate> updateFor(PolicyChange change) {
    List<String> dirs = changedDirectories(change.changedFiles());
    if (dirs.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new PolicyUpdate(topics(dirs), change.oldHash(), change.newHash(), dirs));
  }

  /** The {@code policy:<dir>} topics for these changed files; empty when none is tracked. */
  public List<String> topicsFor(Collection<String> changedFiles) {
    return topics(changedDirectories(changedFiles));
  }

  /** Every parent directory of the tracked changed files, sorted, {@code "."} first. */
  public List<String> changedDirectories(Collection<String> changedFiles) {
    List<String> tracked = new ArrayList<>();
    for (String f : changedFiles) {
      if (extensions.isEmpty() || extensions.contains(RepoPaths.suffix(f))) {
        tracked.add(f);
      }
    }
    return RepoPaths.intermediateDirectories(tracked);
  }

  private static List<String> topics(List<String> dirs) {
    return dirs.stream().map(d -> TOPIC_PREFIX + d).toList();
  }
}
