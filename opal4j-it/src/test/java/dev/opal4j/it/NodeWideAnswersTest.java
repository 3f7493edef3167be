package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import dev.opal4j.testkit.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With UVICORN_NUM_WORKERS=2 the kernel hands each connection to either worker; /metrics and
 * /healthcheck must tell the truth about the whole node whichever worker answers.
 */
class NodeWideAnswersTest {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)");
  private static final Pattern WORKER_LABEL = Pattern.compile("worker=\"(\\d+)\"");

  private static RedisServer redis;
  private static OpalServerProcess node;

  @BeforeAll
  static void startNode() throws Exception {
    redis = RedisServer.launch();
    node = OpalServerProcess.start("node-wide", Map.of(
        "OPAL_BROADCAST_URI", redis.uri().toString(), "UVICORN_NUM_WORKERS", "2"));
    await().atMost(Duration.ofSeconds(60)).until(() -> SocketOwners.listeners(node.port()) == 2);
    // both workers up and on the backbone, whichever answers
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      HttpResponse<String> r = fresh("/healthcheck", Duration.ofSeconds(5));
      return r.statusCode() == 200 && Json.parse(r.body()).path("workers").size() == 2;
    });
  }

  @AfterAll
  static void stopNode() throws Exception {
    try {
      if (node != null) {
        node.close();
      }
    } finally {
      if (redis != null) {
        redis.close();
      }
    }
  }

  @Test
  void everyMetricsScrapeShowsEveryWorkerAndNoCounterEverGoesBack() throws Exception {
    Map<String, Double> lastCounter = new HashMap<>();
    for (int scrape = 0; scrape < 12; scrape++) {
      publishUpdate(scrape);
      HttpResponse<String> r = fresh("/metrics", Duration.ofSeconds(10));
      assertThat(r.statusCode()).isEqualTo(200);
      String text = r.body();

      Set<String> described = new HashSet<>();
      Set<String> workersSeen = new HashSet<>();
      for (String line : text.lines().toList()) {
        if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
          assertThat(described.add(line.substring(0, 7) + line.substring(7).split(" ")[0]))
              .as("one %s per family in scrape %d", line.substring(0, 6), scrape).isTrue();
          continue;
        }
        Matcher m = SAMPLE.matcher(line);
        if (!m.find()) {
          continue;
        }
        String labels = m.group(2) == null ? "" : m.group(2);
        Matcher worker = WORKER_LABEL.matcher(labels);
        assertThat(worker.find()).as("worker label on %s", line).isTrue();
        workersSeen.add(worker.group(1));
        if (m.group(1).endsWith("_total")) {
          String series = m.group(1) + labels;
          double value = Double.parseDouble(m.group(3));
          Double before = lastCounter.put(series, value);
          if (before != null) {
            assertThat(value).as("%s in scrape %d", series, scrape).isGreaterThanOrEqualTo(before);
          }
        }
      }
      assertThat(workersSeen).as("workers in scrape %d", scrape).containsExactlyInAnyOrder("0", "1");
      assertThat(text).contains("opal_updates_published_total{").contains("opal_backbone_received_total{");
    }
  }

  @Test
  void everyWorkersHistogramBucketsMergeIntoOneWellFormedFamily() throws Exception {
    for (int i = 0; i < 8; i++) {
      publishUpdate(100 + i); // REST latency and publish-to-ack on whichever worker gets it
      fresh("/data/config", Duration.ofSeconds(10));
    }
    String text = fresh("/metrics", Duration.ofSeconds(10)).body();
    for (String family : List.of("opal_http_server_requests_seconds", "opal_backbone_publish_ack_seconds")) {
      List<String> lines = text.lines().toList();
      int type = lines.indexOf("# TYPE " + family + " histogram");
      assertThat(type).as("one histogram TYPE line for %s", family).isNotNegative();
      // every sample of the family follows its header, before the next family's
      int end = type + 1;
      while (end < lines.size() && !lines.get(end).startsWith("#")) {
        end++;
      }
      List<String> block = lines.subList(type + 1, end);
      assertThat(text.lines().filter(l -> l.startsWith(family + "_bucket{")).count())
          .as("%s buckets outside its block", family)
          .isEqualTo(block.stream().filter(l -> l.startsWith(family + "_bucket{")).count());
      Map<String, List<Double>> bucketsBySeries = new HashMap<>();
      Map<String, Double> counts = new HashMap<>();
      Set<String> workers = new HashSet<>();
      for (String line : block) {
        Matcher m = SAMPLE.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        Matcher worker = WORKER_LABEL.matcher(m.group(2));
        assertThat(worker.find()).as("worker label on %s", line).isTrue();
        workers.add(worker.group(1));
        String series = m.group(2).replaceAll(",?le=\"[^\"]*\"", "");
        if (m.group(1).equals(family + "_bucket")) {
          bucketsBySeries.computeIfAbsent(series, k -> new ArrayList<>()).add(Double.parseDouble(m.group(3)));
          if (m.group(2).contains("le=\"+Inf\"")) {
            counts.merge(series + "+Inf", Double.parseDouble(m.group(3)), Double::sum);
          }
        } else if (m.group(1).equals(family + "_count")) {
          counts.merge(series + "count", Double.parseDouble(m.group(3)), Double::sum);
        }
      }
      assertThat(workers).as("workers with %s", family).containsExactlyInAnyOrder("0", "1");
      bucketsBySeries.forEach((series, buckets) -> {
        assertThat(buckets).as("cumulative buckets of %s%s", family, series).isSorted();
        assertThat(counts.get(series + "+Inf")).as("+Inf bucket = count for %s%s", family, series)
            .isEqualTo(counts.get(series + "count"));
      });
    }
  }

  @Test
  void readyDescribesTheWholeNodeAndAnswersHead() throws Exception {
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = fresh("/ready", Duration.ofSeconds(10));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode body = Json.parse(r.body());
      assertThat(body.path("status").asText()).isEqualTo("ready");
      assertThat(body.path("workers").size()).isEqualTo(2);
      for (JsonNode worker : body.path("workers")) {
        assertThat(worker.path("status").asText()).isEqualTo("ready");
      }
    }
    try (HttpClient http = HttpClient.newHttpClient()) {
      for (String probe : List.of("/ready", "/healthcheck")) {
        HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(node.http() + probe))
            .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).as(probe).isEqualTo(200);
        assertThat(head.body()).as(probe).isEmpty();
      }
    }
  }

  @Test
  void healthcheckListsEveryWorkersBackboneKeepingUpstreamsTopLevelShape() throws Exception {
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = fresh("/healthcheck", Duration.ofSeconds(10));
      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode body = Json.parse(r.body());
      assertThat(body.path("status").asText()).isEqualTo("ok");
      List<Integer> indexes = new ArrayList<>();
      for (JsonNode worker : body.path("workers")) {
        indexes.add(worker.path("worker").asInt());
        assertThat(worker.path("status").asText()).isEqualTo("ok");
        assertThat(worker.at("/backbone/state").asText()).isEqualTo("connected");
        assertThat(node.workerPids()).contains(worker.path("pid").asLong());
      }
      assertThat(indexes).containsExactly(0, 1);
    }
  }

  @Test
  void aSiblingThatDoesNotAnswerIsReportedAsSuchAndTheNodeIsUnhealthy() throws Exception {
    JsonNode before = Json.parse(fresh("/healthcheck", Duration.ofSeconds(10)).body());
    long stoppedPid = before.path("workers").get(1).path("pid").asLong();
    signal("STOP", stoppedPid);
    try {
      // Connections the kernel hands to the stopped worker hang; the live worker must answer for the node.
      HttpResponse<String> health = fromLiveWorker("/healthcheck");
      assertThat(health.statusCode()).isEqualTo(503);
      JsonNode body = Json.parse(health.body());
      assertThat(body.path("status").asText()).isEqualTo("error");
      JsonNode stopped = body.path("workers").get(1);
      assertThat(stopped.path("worker").asInt()).isEqualTo(1);
      assertThat(stopped.path("status").asText()).isEqualTo("unreachable");
      assertThat(stopped.path("detail").asText()).contains("did not answer");
      assertThat(body.path("workers").get(0).path("status").asText()).isEqualTo("ok");

      HttpResponse<String> ready = fromLiveWorker("/ready");
      assertThat(ready.statusCode()).as("a node with a silent worker is not ready").isEqualTo(503);
      assertThat(Json.parse(ready.body()).path("workers").get(1).path("status").asText()).isEqualTo("unreachable");

      HttpResponse<String> metrics = fromLiveWorker("/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("opal_worker_up{worker=\"1\"} 0").contains("opal_worker_up{worker=\"0\"} 1");
    } finally {
      signal("CONT", stoppedPid);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> fresh("/healthcheck", Duration.ofSeconds(5)).statusCode() == 200);
  }

  /**
   * Retries on fresh connections until one lands on a worker that answers (the other is stopped).
   * About every other connection lands on the stopped worker and costs the whole timeout, so it is
   * short: the live worker answers after at most its 800 ms wait for the stopped sibling, and one
   * that answers later on a loaded machine is only asked again.
   */
  private static HttpResponse<String> fromLiveWorker(String path) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        return fresh(path, Duration.ofMillis(2500));
      } catch (java.net.http.HttpTimeoutException landedOnTheStoppedWorker) {
        if (System.nanoTime() > deadline) {
          throw landedOnTheStoppedWorker;
        }
      }
    }
  }

  /** A new connection per request, so that the kernel picks a worker each time. */
  private static HttpResponse<String> fresh(String path, Duration timeout) throws Exception {
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build()) {
      return http.send(HttpRequest.newBuilder(URI.create(node.http() + path)).timeout(timeout).build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  private static void publishUpdate(int n) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.http() + "/data/config"))
          .header("content-type", "application/json").timeout(Duration.ofSeconds(10))
          .POST(HttpRequest.BodyPublishers.ofString("{\"entries\":[{\"url\":\"http://example.invalid/" + n
              + "\",\"topics\":[\"policy_data\"]}],\"reason\":\"node-wide metrics test\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
  }

  private static void signal(String name, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).isTrue();
  }
}
