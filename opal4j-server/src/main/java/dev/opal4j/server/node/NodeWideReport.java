package dev.opal4j.server.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.PythonJson;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's answer when several workers share the port: this worker serves its own metrics and
 * health on a private loopback port (announced in the {@link WorkerDirectory}), and answers a
 * public {@code /metrics} or {@code /healthcheck} by asking every sibling there, each within {@link
 * #SIBLING_TIMEOUT}. A sibling that does not answer in time is reported as unreachable ({@code
 * opal_worker_up 0}, {@code "status": "unreachable"}) and never holds the answer up longer.
 *
 * <p>Thread-safety: called on Vert.x event loops; nothing blocks except reading the few bytes of a
 * sibling's port file.
 */
public final class NodeWideReport implements NodeReport {
  private static final Logger log = LoggerFactory.getLogger(NodeWideReport.class);
  /** How long a sibling may take to answer; below Kubernetes' default probe timeout of 1 s. */
  static final Duration SIBLING_TIMEOUT = Duration.ofMillis(800);
  static final String METRICS_PATH = "/worker/metrics";
  static final String HEALTH_PATH = "/worker/healthcheck";
  static final String READY_PATH = "/worker/ready";

  private final Vertx vertx;
  private final WorkerDirectory directory;
  private final int index;
  private final Supplier<String> scrape;
  private final Supplier<ObjectNode> health;
  private final Supplier<ObjectNode> readiness;
  private final HttpClient siblings;

  private NodeWideReport(Vertx vertx, WorkerDirectory directory, int index, Supplier<String> scrape,
      Supplier<ObjectNode> health, Supplier<ObjectNode> readiness) {
    this.vertx = vertx;
    this.directory = directory;
    this.index = index;
    this.scrape = scrape;
    this.health = health;
    this.readiness = readiness;
    this.siblings = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout((int) SIBLING_TIMEOUT.toMillis())
        .setKeepAlive(true));
  }

  /**
   * Starts this worker's private report server on an ephemeral loopback port, announces it, and
   * returns the node-wide report. Blocks until the port is bound.
   *
   * @param health this worker's health body; {@code pid} and {@code worker} are added here
   * @param readiness this worker's readiness body ({@code "status": "ready"} when ready); {@code pid}
   *     and {@code worker} are added here
   */
  public static NodeWideReport start(Vertx vertx, WorkerDirectory directory, int index, Supplier<String> scrape,
      WorkerHealth health, Supplier<ObjectNode> readiness) throws Exception {
    long pid = ProcessHandle.current().pid();
    Supplier<ObjectNode> own = identified(index, pid, health::body);
    Supplier<ObjectNode> ownReadiness = identified(index, pid, readiness);
    NodeWideReport report = new NodeWideReport(vertx, directory, index, scrape, own, ownReadiness);
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case METRICS_PATH -> req.response().putHeader("content-type", "text/plain; charset=utf-8").end(scrape.get());
        case HEALTH_PATH -> req.response().putHeader("content-type", "application/json").end(Json.write(own.get()));
        case READY_PATH -> req.response().putHeader("content-type", "application/json")
            .end(Json.write(ownReadiness.get()));
        default -> req.response().setStatusCode(404).end();
      }
    });
    int port = server.listen(0, "127.0.0.1").await(30, java.util.concurrent.TimeUnit.SECONDS).actualPort();
    directory.announce(index, port);
    log.info("worker {} answers its siblings on 127.0.0.1:{}", index, port);
    return report;
  }

  private static Supplier<ObjectNode> identified(int index, long pid, Supplier<ObjectNode> body) {
    return () -> {
      ObjectNode identified = Json.object().put("worker", index).put("pid", pid);
      identified.setAll(body.get());
      return identified;
    };
  }

  @Override
  public Future<String> metrics() {
    List<Future<String>> answers = new ArrayList<>();
    for (int i = 0; i < directory.workers(); i++) {
      answers.add(i == index ? Future.succeededFuture(scrape.get()) : ask(i, METRICS_PATH));
    }
    return Future.join(answers).transform(done -> {
      PrometheusMerge merge = new PrometheusMerge();
      StringBuilder up = new StringBuilder()
          .append("# HELP opal_worker_up 1 if the worker answered this scrape within ")
          .append(SIBLING_TIMEOUT.toMillis()).append(" ms, else 0 (its series are then missing)\n")
          .append("# TYPE opal_worker_up gauge\n");
      for (int i = 0; i < answers.size(); i++) {
        Future<String> a = answers.get(i);
        if (a.succeeded()) {
          merge.add(a.result());
        }
        up.append("opal_worker_up{worker=\"").append(i).append("\"} ").append(a.succeeded() ? 1 : 0).append('\n');
      }
      return Future.succeededFuture(merge.add(up.toString()).text());
    });
  }

  @Override
  public Future<HealthAnswer> health() {
    return everyWorker(HEALTH_PATH, health).map(workers -> {
      boolean allOk = true;
      boolean backboneUnhealthy = false;
      for (ObjectNode worker : workers) {
        allOk &= WorkerHealth.isOk(worker);
        backboneUnhealthy |= worker.has("broadcaster");
      }
      ObjectNode mine = workers.get(index);
      // Upstream's members first and as before; the node's verdict decides them.
      ObjectNode body = Json.object();
      body.put("status", allOk ? "ok" : "error");
      if (backboneUnhealthy) {
        body.put("broadcaster", "unhealthy");
      }
      if (mine.has("backbone")) {
        body.set("backbone", mine.get("backbone"));
      }
      body.put("worker", index);
      body.set("workers", array(workers));
      return new HealthAnswer(allOk ? 200 : 503, PythonJson.write(body));
    });
  }

  /**
   * Ready when every worker is: the kernel hands a new connection to any of them, so a node with
   * one worker starting or stuck would send some clients to it, and a pod whose answer depended on
   * which worker the probe reached would flap in and out of rotation.
   */
  @Override
  public Future<HealthAnswer> readiness() {
    return everyWorker(READY_PATH, readiness).map(workers -> {
      boolean allReady = workers.stream().allMatch(WorkerHealth::isReady);
      ObjectNode body = Json.object();
      body.put("status", allReady ? "ready" : "not ready");
      body.put("worker", index);
      body.set("workers", array(workers));
      return new HealthAnswer(allReady ? 200 : 503, PythonJson.write(body));
    });
  }

  /** Every worker's body from {@code path}, in index order; this worker's from {@code own}. */
  private Future<List<ObjectNode>> everyWorker(String path, Supplier<ObjectNode> own) {
    List<Future<String>> answers = new ArrayList<>();
    for (int i = 0; i < directory.workers(); i++) {
      answers.add(i == index ? Future.succeededFuture(null) : ask(i, path));
    }
    return Future.join(answers).transform(done -> {
      List<ObjectNode> workers = new ArrayList<>();
      for (int i = 0; i < answers.size(); i++) {
        workers.add(i == index ? own.get() : siblingAnswer(i, answers.get(i)));
      }
      return Future.succeededFuture(workers);
    });
  }

  private static ArrayNode array(List<ObjectNode> workers) {
    ArrayNode array = Json.MAPPER.createArrayNode();
    workers.forEach(array::add);
    return array;
  }

  private static ObjectNode siblingAnswer(int i, Future<String> answer) {
    if (answer.succeeded()) {
      try {
        JsonNode parsed = Json.parse(answer.result());
        if (parsed instanceof ObjectNode object) {
          return object;
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        return unreachable(i, "worker " + i + " answered something that is not JSON: " + e.getOriginalMessage());
      }
    }
    String why = answer.cause() == null ? "no answer" : answer.cause().getMessage();
    return unreachable(i, why);
  }

  private static ObjectNode unreachable(int i, String detail) {
    return Json.object().put("worker", i).put("status", "unreachable").put("detail", detail);
  }

  /** GET {@code path} from sibling {@code i}; fails with an operator-readable message. */
  private Future<String> ask(int i, String path) {
    OptionalInt port = directory.portOf(i);
    if (port.isEmpty()) {
      return Future.failedFuture("worker " + i + " has not started yet");
    }
    Promise<String> answer = Promise.promise();
    long timer = vertx.setTimer(SIBLING_TIMEOUT.toMillis(), id -> answer.tryFail(
        "worker " + i + " did not answer within " + SIBLING_TIMEOUT.toMillis() + " ms"));
    siblings.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port.getAsInt())
            .setURI(path).setIdleTimeout(SIBLING_TIMEOUT.toMillis()))
        .compose(req -> req.send().compose(resp -> resp.statusCode() == 200
            ? resp.body().map(b -> b.toString(java.nio.charset.StandardCharsets.UTF_8))
            : Future.failedFuture("worker " + i + " answered " + resp.statusCode())))
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          if (ar.succeeded()) {
            answer.tryComplete(ar.result());
          } else {
            answer.tryFail("worker " + i + " did not answer: " + ar.cause().getMessage());
          }
        });
    return answer.future();
  }
}
