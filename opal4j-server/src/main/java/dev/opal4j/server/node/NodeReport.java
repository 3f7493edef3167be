package dev.opal4j.server.node;

import io.vertx.core.Future;

/**
 * What {@code GET /metrics}, {@code GET /healthcheck} and {@code GET /ready} answer. Both are called on a Vert.x event
 * loop and must not block; the futures never fail for a sibling's sake (a silent sibling is part of
 * the answer).
 */
public interface NodeReport {
  /** The Prometheus text exposition (format 0.0.4) for the node. */
  Future<String> metrics();

  /** The health answer for the node: 200 or 503 with OPAL's {@code {"status": …}} body. */
  Future<HealthAnswer> health();

  /**
   * The readiness answer for the node: 200 with {@code {"status": "ready"}} when every worker can
   * serve, else 503 (a worker starting, draining or not answering).
   */
  Future<HealthAnswer> readiness();

  /** An HTTP status and its JSON body. */
  record HealthAnswer(int status, String body) {}
}
