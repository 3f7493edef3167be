package dev.opal4j.server.publish;

import dev.opal4j.core.backbone.BackboneSupervisor;
import dev.opal4j.core.hub.Hub;
import dev.opal4j.protocol.NotifyFrames;
import java.util.List;

/**
 * The single entry point for updates that originate in this worker (REST, RPC {@code publish},
 * policy watcher). Refuses, before anything is delivered, an update that some subscriber or the
 * backbone could never receive, so that an accepted update is never silently lost.
 */
public final class UpdatePublisher {
  /** Length of the 32-hex ids spliced into every notify frame. */
  private static final int ID_LENGTH = 32;

  private final Hub hub;
  private final BackboneSupervisor backbone; // null without a backbone
  private final int maxNotifyBytes;

  public UpdatePublisher(Hub hub, BackboneSupervisor backbone, int maxNotifyBytes) {
    this.hub = hub;
    this.backbone = backbone;
    this.maxNotifyBytes = maxNotifyBytes;
  }

  /** Why an update was refused; {@code null} from {@link #check} means it can be published. */
  public record Refusal(String message) {}

  /** Checks every topic's frame against the client limit and the backbone's message limit. */
  public Refusal check(List<String> topics, String dataJson) {
    for (String topic : topics) {
      long frame = NotifyFrames.Prepared.of(topic, dataJson).frameBytes(ID_LENGTH);
      if (frame > maxNotifyBytes) {
        return new Refusal("the update's notification would be " + frame + " bytes on topic '" + topic
            + "', over the limit of " + maxNotifyBytes + " bytes that OPAL clients accept"
            + " (OPAL_WS_MAX_NOTIFY_BYTES); publish a URL to fetch instead of inline data");
      }
      if (backbone != null) {
        int max = backbone.maxMessageBytes();
        long size = backbone.messageBytes(topic, dataJson);
        if (max > 0 && size > max) {
          return new Refusal("the update's backbone message would be " + size + " bytes on topic '" + topic
              + "', over the broadcast backbone's limit of " + max + " bytes"
              + " (as the backbone reported it when this worker last connected);"
              + " publish a URL to fetch instead of inline data");
        }
      }
    }
    return null;
  }

  /** Publishes without checks (call {@link #check} first). {@code originId} is not notified. */
  public void publish(List<String> topics, String dataJson, String originId) {
    hub.publish(topics, dataJson, originId);
  }
}
