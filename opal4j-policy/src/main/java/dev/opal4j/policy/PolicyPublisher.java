package dev.opal4j.policy;

import java.util.List;

/**
 * Where the {@link PolicyWatcher} hands each policy update: the server's hub (local clients and the
 * backbone). Called on the watcher's thread, once per new commit that touched a tracked file.
 */
@FunctionalInterface
public interface PolicyPublisher {
  /**
   * Publishes {@code dataJson} (a {@code PolicyUpdateMessage}) on every one of {@code topics}.
   *
   * @throws Exception if the update could not be handed over; the watcher logs it and goes on
   */
  void publish(List<String> topics, String dataJson) throws Exception;
}
