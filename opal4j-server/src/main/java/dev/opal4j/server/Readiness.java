package dev.opal4j.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.BooleanSupplier;

/**
 * Whether this worker can serve clients, for {@code GET /ready}: not before the node's policy clone
 * exists (when {@code OPAL_POLICY_REPO_URL} is set, a client would get 503 from {@code GET
 * /policy}), not before the worker joined its backbone once (when {@code OPAL_BROADCAST_URI} is
 * set, it would miss peers' updates), and never again once {@link #markDraining()} was called by
 * shutdown, so that the orchestrator stops sending new clients while the old ones are closed.
 *
 * <p>Readiness is not health: a backbone lost after the first join does not make the worker
 * unready (its clients are served from the replay and resync machinery, and {@code /healthcheck}
 * reports the link); an orchestrator that took every pod out of rotation during a backbone blip
 * would turn a partial outage into a full one.
 *
 * <p>Thread-safe and non-blocking, except that the policy condition may read a ref file of the
 * clone.
 */
public final class Readiness {
  /** A condition the worker waits for at start-up, named for the operator; once met, it stays met. */
  public record Condition(String name, BooleanSupplier met) {}

  private final List<Condition> conditions;
  private final AtomicIntegerArray metOnce;
  private final AtomicBoolean draining = new AtomicBoolean();

  public Readiness(List<Condition> conditions) {
    this.conditions = List.copyOf(conditions);
    this.metOnce = new AtomicIntegerArray(this.conditions.size());
  }

  /** Shutdown has begun: from now on {@code /ready} answers 503, whatever else holds. Idempotent. */
  public void markDraining() {
    draining.set(true);
  }

  /** Like {@link #markDraining()}; true only for the call that started draining (graceful shutdown runs once). */
  public boolean startDraining() {
    return draining.compareAndSet(false, true);
  }

  public boolean isDraining() {
    return draining.get();
  }

  /** The names of the conditions not met yet, in their order; empty when all are met. */
  public List<String> waitingFor() {
    List<String> waiting = new ArrayList<>();
    for (int i = 0; i < conditions.size(); i++) {
      if (metOnce.get(i) == 1) {
        continue;
      }
      if (conditions.get(i).met().getAsBoolean()) {
        metOnce.set(i, 1);
      } else {
        waiting.add(conditions.get(i).name());
      }
    }
    return waiting;
  }

  public boolean isReady() {
    return !draining.get() && waitingFor().isEmpty();
  }

  /**
   * This worker's readiness body: {@code {"status": "ready"}}, {@code {"status": "starting",
   * "waiting_for": [...]}} or {@code {"status": "draining"}}.
   */
  public ObjectNode body() {
    ObjectNode body = Json.object();
    if (draining.get()) {
      return body.put("status", "draining");
    }
    List<String> waiting = waitingFor();
    if (waiting.isEmpty()) {
      return body.put("status", "ready");
    }
    body.put("status", "starting");
    ArrayNode list = body.putArray("waiting_for");
    waiting.forEach(list::add);
    return body;
  }
}
