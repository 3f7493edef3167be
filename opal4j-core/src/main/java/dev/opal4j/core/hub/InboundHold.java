package dev.opal4j.core.hub;

import java.util.concurrent.CompletionStage;

/**
 * Holds back an update heard on the backbone until this worker can serve what it announces: a
 * {@code policy:} update published by another node's leader reaches a node whose clone may not
 * have the new commit yet, and a client told about it would fetch the old policy. Never drops: the
 * update is delivered when the returned stage completes, normally or exceptionally.
 */
@FunctionalInterface
public interface InboundHold {
  InboundHold NONE = (topic, dataJson) -> null;

  /** Null to deliver now; otherwise delivery waits for the stage. Called once per topic. */
  CompletionStage<?> until(String topic, String dataJson);
}
