package dev.opal4j.server.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.core.backbone.BackboneStatus;
import dev.opal4j.protocol.Json;
import java.util.function.Supplier;

/**
 * One worker's health body: upstream's {@code {"status": "ok"}}, and with a backbone {@code
 * "broadcaster": "unhealthy"} when it is, plus the backbone's state (and, on a backbone that keeps
 * positions, the one a reconnect would resume from). Thread-safe; never blocks.
 */
public final class WorkerHealth {
  private final Supplier<BackboneStatus> backbone; // null without a backbone

  public WorkerHealth(Supplier<BackboneStatus> backbone) {
    this.backbone = backbone;
  }

  /** This worker's body; {@code status} is {@code "ok"} or {@code "error"}. */
  public ObjectNode body() {
    ObjectNode body = Json.object();
    if (backbone == null) {
      body.put("status", "ok");
      return body;
    }
    BackboneStatus s = backbone.get();
    body.put("status", s.healthy() ? "ok" : "error");
    if (!s.healthy()) {
      body.put("broadcaster", "unhealthy");
    }
    ObjectNode link = body.putObject("backbone");
    link.put("state", s.state().name().toLowerCase());
    link.put("since", s.stateSince().toString());
    link.put("detail", s.detail());
    link.put("buffered", s.buffered());
    if (s.position() != null) {
      link.put("position", s.position()); // where a reconnect would resume
    }
    return body;
  }

  static boolean isOk(ObjectNode body) {
    return "ok".equals(body.path("status").asText());
  }

  /** Whether a readiness body (see {@code dev.opal4j.server.Readiness}) says ready. */
  static boolean isReady(ObjectNode body) {
    return "ready".equals(body.path("status").asText());
  }
}
