package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import dev.opal4j.testkit.BackboneFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Resume instead of resync, with real server processes, real clients and a real backbone that
 * keeps its messages (one broker per class): an outage while a worker publishes closes no client
 * and delivers every update exactly once, in order; when the backbone no longer holds what a worker
 * missed, that worker resyncs its clients as without resume.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BackboneResumeContract {
  private static final int SUBSCRIBERS_PER_NODE = 4;
  /** Fast probes, so that a dead backbone is noticed (and a reconnect made) within about 3 s. */
  private static final Map<String, String> FAST = Map.of(
      "OPAL_BROADCAST_RECONNECT_BACKOFF_MIN_SECONDS", "0.2",
      "OPAL_BROADCAST_RECONNECT_BACKOFF_MAX_SECONDS", "1",
      "OPAL_BROADCAST_RESYNC_SETTLE_SECONDS", "1",
      "OPAL_BROADCAST_PROBE_INTERVAL_SECONDS", "0.5",
      "OPAL_BROADCAST_PROBE_TIMEOUT_SECONDS", "3",
      "OPAL_SHUTDOWN_DRAIN_SECONDS", "0");
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private BackboneFixture backbone;

  /** A backbone server that keeps messages for longer than these tests run. */
  protected abstract BackboneFixture startBackbone();

  /** Something a test does that may fail. */
  @FunctionalInterface
  protected interface Step {
    void run() throws Exception;
  }

  /**
   * Cuts worker {@code a} off, runs {@code missedByA} (worker {@code b} publishes what {@code a}
   * then misses), makes the backbone lose those messages (retention expiring, the topic or cluster
   * recreated), and lets {@code a} come back.
   */
  protected abstract void cutOffAndLose(BackboneFixture backbone, OpalServerProcess a, OpalServerProcess b,
      Step missedByA) throws Exception;

  /** Freezes a worker process (SIGSTOP): it reads nothing, and its backbone connection may die. */
  protected static void freeze(OpalServerProcess node) throws Exception {
    signal("STOP", node.pid());
  }

  protected static void thaw(OpalServerProcess node) throws Exception {
    signal("CONT", node.pid());
  }

  protected String name() {
    return getClass().getSimpleName().replace("ResumeTest", "").toLowerCase();
  }

  @BeforeAll
  void startTheBackbone() {
    backbone = startBackbone();
  }

  @AfterAll
  void stopTheBackbone() {
    if (backbone != null) {
      backbone.close();
    }
  }

  @AfterEach
  void release() {
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        // keep releasing the rest
      }
    }
    resources.clear();
  }

  private <T extends AutoCloseable> T track(T resource) {
    resources.add(resource);
    return resource;
  }

  private OpalServerProcess connectedNode(String name) throws Exception {
    Map<String, String> env = new HashMap<>(FAST);
    env.put("OPAL_BROADCAST_URI", backbone.uri().toString());
    OpalServerProcess node = track(OpalServerProcess.start(name, env));
    await().atMost(Duration.ofSeconds(30)).until(() -> backboneState(node).equals("connected"));
    return node;
  }

  private List<ReconnectingSubscriber> subscribers(AtomicLong accepted, OpalServerProcess node) throws Exception {
    List<ReconnectingSubscriber> subs = new ArrayList<>();
    for (int i = 0; i < SUBSCRIBERS_PER_NODE; i++) {
      subs.add(track(new ReconnectingSubscriber(node.ws(), accepted::get)));
    }
    return subs;
  }

  private int publish(OpalServerProcess node, String reason) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(node.http() + "/data/config"))
        .header("content-type", "application/json").timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString("{\"entries\": [{\"url\": \"https://example.com/data\","
            + " \"topics\": [\"policy_data\"]}], \"reason\": \"" + reason + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  protected String backboneState(OpalServerProcess node) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.http() + "/healthcheck"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    JsonNode health = Json.parse(r.body());
    return health.at("/backbone/state").asText("connected");
  }

  private double metric(OpalServerProcess node, String name) throws Exception {
    String body = http.send(HttpRequest.newBuilder(URI.create(node.http() + "/metrics"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(body);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  private static void signal(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }

  @Test
  void aBackboneOutageWhileAWorkerPublishesClosesNoClientAndEveryUpdateArrivesOnceInOrder() throws Exception {
    OpalServerProcess a = connectedNode("resume-a");
    OpalServerProcess b = connectedNode("resume-b");
    AtomicLong published = new AtomicLong();
    List<ReconnectingSubscriber> subs = new ArrayList<>(subscribers(published, a));
    subs.addAll(subscribers(published, b));

    AtomicBoolean publishing = new AtomicBoolean(true);
    List<Integer> refused = new CopyOnWriteArrayList<>();
    Thread publisher = Thread.ofPlatform().start(() -> {
      while (publishing.get()) {
        try {
          int status = publish(b, "seq-" + published.get());
          if (status != 200) {
            refused.add(status);
          }
          published.incrementAndGet();
          Thread.sleep(50);
        } catch (Exception e) {
          refused.add(-1);
          return;
        }
      }
    });
    Thread.sleep(1000);
    backbone.stop();
    Thread.sleep(5000);
    backbone.start();
    long restarted = System.nanoTime();
    Thread.sleep(500); // a few updates after the restart too
    publishing.set(false);
    publisher.join();
    long count = published.get();
    assertThat(refused).as("every update accepted during the outage").isEmpty();

    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      for (ReconnectingSubscriber s : subs) {
        assertThat(s.missing(count)).isEmpty();
      }
    });
    long caughtUp = System.nanoTime();
    await().atMost(Duration.ofSeconds(30)).until(() -> backboneState(a).equals("connected")
        && backboneState(b).equals("connected"));
    List<Long> inOrder = LongStream.range(0, count).boxed().toList();
    for (ReconnectingSubscriber s : subs) {
      assertThat(s.closeCodes).as("no client was closed").isEmpty();
      assertThat(s.arrivals).as("every update once, in publish order").containsExactlyElementsOf(inOrder);
    }
    for (OpalServerProcess node : List.of(a, b)) {
      assertThat(metric(node, "opal_backbone_resumes_total")).as("resumed").isGreaterThanOrEqualTo(1);
      assertThat(metric(node, "opal_backbone_positions_lost_total")).isZero();
      assertThat(metric(node, "opal_resyncs_total")).as("no resync").isZero();
    }
    System.out.printf("[resilience] %s resume: %d updates, backbone down 5 s, 0 clients closed; every client held every"
        + " update %d ms after the restart; resumes a=%.0f b=%.0f, updates recovered from the log a=%.0f%n", name(),
        count, (caughtUp - restarted) / 1_000_000, metric(a, "opal_backbone_resumes_total"),
        metric(b, "opal_backbone_resumes_total"), metric(a, "opal_backbone_resumed_messages_total"));
  }

  @Test
  void aWorkerWhoseMissedMessagesTheBackboneNoLongerHoldsResyncsItsClients() throws Exception {
    OpalServerProcess a = connectedNode("lost-a");
    OpalServerProcess b = connectedNode("lost-b");
    AtomicLong published = new AtomicLong();
    List<ReconnectingSubscriber> onA = subscribers(published, a);
    List<ReconnectingSubscriber> onB = subscribers(published, b);
    for (int i = 0; i < 3; i++) {
      assertThat(publish(b, "seq-" + published.getAndIncrement())).isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> onA.stream().allMatch(s -> s.missing(3).isEmpty()));

    cutOffAndLose(backbone, a, b, () -> {
      for (int i = 0; i < 3; i++) {
        assertThat(publish(b, "seq-" + published.getAndIncrement())).isEqualTo(200);
      }
    });
    long count = published.get();
    try {
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
          assertThat(onA).allSatisfy(s -> assertThat(s.closeCodes).contains(1012)));
    } catch (AssertionError | RuntimeException e) {
      System.out.println("[resume] node a's log:\n" + a.logText() + "\n[resume] node b's log:\n" + b.logText());
      throw e;
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      for (ReconnectingSubscriber s : onA) {
        assertThat(s.missing(count)).as("held after the re-fetch").isEmpty();
        assertThat(s.closeCodes).allMatch(code -> code == 1012);
      }
    });
    assertThat(metric(a, "opal_resyncs_total")).isGreaterThanOrEqualTo(1);
    assertThat(onB).allSatisfy(s -> assertThat(s.missing(count)).isEmpty());
    System.out.printf("[resilience] %s fallback: positions lost a=%.0f, gaps detected a=%.0f, resyncs a=%.0f%n", name(),
        metric(a, "opal_backbone_positions_lost_total"), metric(a, "opal_backbone_gaps_detected_total"),
        metric(a, "opal_resyncs_total"));
  }
}
