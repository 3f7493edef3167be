package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Fan-out never waits on a slow client: it is closed with 1013 once its outbound queue overflows. */
class SlowConsumerTest {
  private static RunningServer server;

  @BeforeAll
  static void start() throws Exception {
    server = RunningServer.start(Map.of("OPAL_WS_OUTBOUND_QUEUE_BYTES", "262144",
        "OPAL_WS_MAX_NOTIFY_BYTES", "200000", "OPAL_HTTP_MAX_BODY_BYTES", "400000"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static RpcTestClient subscribed() throws Exception {
    RpcTestClient c = RpcTestClient.connect(server.ws(), null);
    assertThat(c.request("subscribe", "{\"topics\": [\"bulk\"]}").at("/response/result").asBoolean()).isTrue();
    return c;
  }

  /** Answers every notify queued so far; returns how many there were. */
  private static int drain(RpcTestClient client) throws Exception {
    int notifies = 0;
    while (!client.frames.isEmpty()) {
      JsonNode frame = client.next();
      if ("notify".equals(frame.at("/request/method").asText())) {
        client.answer(frame);
        notifies++;
      }
    }
    return notifies;
  }

  private static double metric(String name) throws Exception {
    for (String line : server.get("/metrics").body().split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    throw new AssertionError("no metric " + name);
  }

  @Test
  void aClientThatStopsReadingIsClosedWith1013WhileOthersReceiveEverything() throws Exception {
    try (RpcTestClient slow = subscribed(); RpcTestClient fast = subscribed(); RpcTestClient publisher = subscribed()) {
      slow.pauseReading();
      String blob = "z".repeat(100_000);
      int published = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      int received = 0;
      // Publish until the slow client is closed; the kernel's socket buffers absorb some megabytes first.
      while (metric("opal_ws_slow_consumers_closed_total") == 0 && System.nanoTime() < deadline) {
        for (int i = 0; i < 10; i++) {
          publisher.call("publish", "{\"topics\": [\"bulk\"], \"data\": {\"n\": " + published + ", \"blob\": \"" + blob + "\"}}");
          published++;
        }
        received += drain(fast);
      }
      final int total = published;
      assertThat(metric("opal_ws_slow_consumers_closed_total")).isEqualTo(1);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(metric("opal_ws_connections")).isEqualTo(2));
      slow.resumeReading();
      await().atMost(Duration.ofSeconds(10)).until(slow::isClosed);

      int[] count = {received};
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        count[0] += drain(fast);
        return count[0] == total;
      });
      assertThat(fast.isClosed()).isFalse();
    }
  }
}
