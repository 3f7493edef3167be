package dev.opal4j.core.hub;

/** Where the hub sends updates that other workers and nodes must also see. */
public interface BackboneLink {
  /** Sends one update on one topic to the backbone. Never blocks; failures are the link's to handle. */
  void broadcast(String topic, String dataJson);

  /** A link for a worker with no backbone: nothing leaves the process. */
  BackboneLink NONE = (topic, dataJson) -> {};
}
