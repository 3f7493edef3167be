package dev.opal4j.server.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.PythonJson;
import io.vertx.core.Future;
import java.util.function.Supplier;

/** A node of one worker answers for itself, exactly as before workers existed. */
public final class SingleWorkerReport implements NodeReport {
  private final Supplier<String> scrape;
  private final WorkerHealth health;
  private final Supplier<ObjectNode> readiness;

  /** @param readiness this worker's readiness body; {@code "status": "ready"} means ready */
  public SingleWorkerReport(Supplier<String> scrape, WorkerHealth health, Supplier<ObjectNode> readiness) {
    this.scrape = scrape;
    this.health = health;
    this.readiness = readiness;
  }

  @Override
  public Future<String> metrics() {
    return Future.succeededFuture(scrape.get());
  }

  @Override
  public Future<HealthAnswer> health() {
    ObjectNode body = health.body();
    return Future.succeededFuture(new HealthAnswer(WorkerHealth.isOk(body) ? 200 : 503, PythonJson.write(body)));
  }

  @Override
  public Future<HealthAnswer> readiness() {
    ObjectNode body = readiness.get();
    return Future.succeededFuture(new HealthAnswer(WorkerHealth.isReady(body) ? 200 : 503, PythonJson.write(body)));
  }
}
