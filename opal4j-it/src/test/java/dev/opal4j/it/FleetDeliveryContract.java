package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.protocol.Json;
import dev.opal4j.testkit.BackboneFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * End to end on one backbone: two nodes, each a supervisor with two worker processes sharing a
 * port, clients on every worker. An update published anywhere reaches every client exactly once; a
 * message in OPAL's format injected straight into the backbone (as a Python OPAL server would send
 * it) reaches every client; opal4j's own backbone messages are in OPAL's format; the backbone's
 * own message limit, learnt on connecting, turns a too-large update into a 413 at publish time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FleetDeliveryContract {
  private static final int CLIENTS_PER_NODE = 12;
  private BackboneFixture backbone;
  private final List<OpalServerProcess> nodes = new ArrayList<>();
  private final List<FleetClient> clients = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  /** Starts the backbone with a message size limit of {@link #configuredLimitBytes()}. */
  protected abstract BackboneFixture startBackbone();

  /**
   * The message size limit the backbone was started with (or has built in): the limit the server
   * names may be a little lower (the backend subtracts its framing), never higher.
   */
  protected abstract int configuredLimitBytes();

  /** Extra environment for every node, e.g. client limits above a large backbone limit. */
  protected Map<String, String> nodeSettings() {
    return Map.of();
  }

  /** Sends one raw message on the channel with the backbone's own command-line tool. */
  protected abstract void injectWithNativeTool(BackboneFixture backbone, String channel, String message) throws Exception;

  @BeforeAll
  void startFleet() throws Exception {
    backbone = startBackbone();
    for (String name : List.of("node-a", "node-b")) {
      Map<String, String> env = new java.util.HashMap<>(nodeSettings());
      env.put("OPAL_BROADCAST_URI", backbone.uri().toString());
      env.put("UVICORN_NUM_WORKERS", "2");
      OpalServerProcess node = OpalServerProcess.start(name, env);
      nodes.add(node);
      await().atMost(Duration.ofSeconds(60)).until(() -> SocketOwners.listeners(node.port()) == 2);
      node.awaitWorkersJoined(2); // a client connected before its worker's first join is resynced (1012)
    }
    for (OpalServerProcess node : nodes) {
      Set<Long> workersWithClients = new HashSet<>();
      for (int attempt = 0; attempt < 5 && workersWithClients.size() < 2; attempt++) {
        for (int i = 0; i < CLIENTS_PER_NODE; i++) {
          clients.add(FleetClient.subscribe(node.ws(), List.of("policy_data")));
        }
        workersWithClients.addAll(SocketOwners.ownersByPeerPort(node.port()).values());
      }
      assertThat(workersWithClients).as("worker pids holding clients on port " + node.port()).hasSize(2);
    }
  }

  protected OpalServerProcess node(int index) {
    return nodes.get(index);
  }

  @AfterAll
  void stopFleet() throws Exception {
    clients.forEach(FleetClient::close);
    for (OpalServerProcess node : nodes) {
      node.close();
    }
    if (backbone != null) {
      backbone.close();
    }
  }

  private void publishViaRest(OpalServerProcess node, String marker) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(node.http() + "/data/config"))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"entries\": [{\"url\": \"https://example.com/" + marker
            + "\", \"topics\": [\"policy_data\"]}], \"reason\": \"" + marker + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  private HttpResponse<String> publishBlob(OpalServerProcess node, String marker, int blobLength) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(node.http() + "/data/config"))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"entries\": [{\"url\": \"\", \"topics\": [\"policy_data\"],"
            + " \"data\": {\"blob\": \"" + "x".repeat(blobLength) + "\"}}], \"reason\": \"" + marker + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static long number(Pattern pattern, String text) {
    Matcher m = pattern.matcher(text);
    assertThat(m.find()).as("'" + pattern + "' in: " + text).isTrue();
    return Long.parseLong(m.group(1));
  }

  /** Each worker learns the backbone's limit on connecting; a healthy worker may not have yet. */
  private static void awaitEveryWorkerConnected(OpalServerProcess node) {
    node.awaitWorkersJoined(2);
  }

  @Test
  void anUpdateOneByteOverTheBackbonesLimitIs413NamingItAndOneAtTheLimitReachesEveryClient() throws Exception {
    nodes.forEach(FleetDeliveryContract::awaitEveryWorkerConnected);
    // Markers of equal length, so that only the blob changes the message size.
    String probe = "probe-" + UUID.randomUUID();
    String over = "overl-" + UUID.randomUUID();
    String atLimit = "atlim-" + UUID.randomUUID();
    int probeBlob = configuredLimitBytes() + 100;
    HttpResponse<String> probed = publishBlob(nodes.get(0), probe, probeBlob);
    assertThat(probed.statusCode()).as(probed.body()).isEqualTo(413);
    long size = number(Pattern.compile("backbone message would be (\\d+) bytes"), probed.body());
    long limit = number(Pattern.compile("backbone's limit of (\\d+) bytes"), probed.body());
    assertThat(limit).as("the limit named").isLessThanOrEqualTo(configuredLimitBytes())
        .isGreaterThan(configuredLimitBytes() - 1024L);
    int atLimitBlob = (int) (probeBlob - (size - limit));

    HttpResponse<String> refused = publishBlob(nodes.get(1), over, atLimitBlob + 1);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(413);
    assertThat(refused.body()).contains("limit of " + limit + " bytes");

    HttpResponse<String> accepted = publishBlob(nodes.get(0), atLimit, atLimitBlob);
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
    awaitEveryClientHasExactlyOnce(atLimit);
    assertThat(clients).allSatisfy(c -> assertThat(c.countWithMarker(over)).isZero());
  }

  private void awaitEveryClientHasExactlyOnce(String marker) {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      for (FleetClient c : clients) {
        assertThat(c.countWithMarker(marker)).as("client on port " + c.localPort()).isEqualTo(1);
      }
    });
  }

  @Test
  void anUpdatePublishedOnAnyWorkerOfAnyNodeReachesEveryClientExactlyOnce() throws Exception {
    List<String> markers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String marker = "update-" + UUID.randomUUID();
      markers.add(marker);
      publishViaRest(nodes.get(i % 2), marker); // each POST lands on one worker of that node
    }
    for (String marker : markers) {
      awaitEveryClientHasExactlyOnce(marker);
    }
    Thread.sleep(500); // a duplicate would arrive within the same delivery time
    for (String marker : markers) {
      for (FleetClient c : clients) {
        assertThat(c.countWithMarker(marker)).isEqualTo(1);
      }
    }
    assertThat(clients).allSatisfy(c -> assertThat(c.closeCode).isNull());
  }

  @Test
  void aMessageInOpalsFormatInjectedIntoTheBackboneReachesEveryClient() throws Exception {
    String marker = "injected-" + UUID.randomUUID();
    String message = "{\"notifier_id\": \"python-opal-server-1\", \"topics\": [\"policy_data\"], \"data\": "
        + "{\"id\": null, \"entries\": [{\"url\": \"https://example.com/" + marker + "\", \"topics\": [\"policy_data\"]}],"
        + " \"reason\": \"" + marker + "\", \"callback\": {\"callbacks\": []}}, \"future_member\": 1}";
    injectWithNativeTool(backbone, "EventNotifier", message);
    awaitEveryClientHasExactlyOnce(marker);
    JsonNode notify = clients.get(0).notifications.stream().filter(n -> n.toString().contains(marker)).findFirst()
        .orElseThrow();
    assertThat(notify.at("/subscription/topic").asText()).isEqualTo("policy_data");
    assertThat(notify.at("/data/reason").asText()).isEqualTo(marker);
  }

  @Test
  void opal4jsBackboneMessagesAreInOpalsFormat() throws Exception {
    List<String> heard = new CopyOnWriteArrayList<>();
    BroadcastSettings settings = new BroadcastSettings(backbone.uri(), "EventNotifier", "observer-" + UUID.randomUUID(), Map.of());
    try (Broadcaster observer = Broadcasters.discover().factoryFor(settings).create(settings, new BroadcastListener() {
      @Override
      public void onMessage(String message) {
        heard.add(message);
      }

      @Override
      public void onConnectionLost(Throwable cause) {}
    })) {
      observer.connect();
      String marker = "format-" + UUID.randomUUID();
      publishViaRest(nodes.get(0), marker);
      await().atMost(Duration.ofSeconds(20)).until(() -> heard.stream().anyMatch(m -> m.contains(marker)));
      JsonNode message = Json.parse(heard.stream().filter(m -> m.contains(marker)).findFirst().orElseThrow());
      assertThat(message.get("notifier_id").isTextual()).isTrue();
      assertThat(message.get("notifier_id").asText()).hasSize(32);
      assertThat(message.get("topics").isArray()).isTrue();
      assertThat(message.get("topics")).hasSize(1);
      assertThat(message.at("/data/reason").asText()).isEqualTo(marker);
      assertThat(message.at("/data/entries/0/url").asText()).endsWith(marker);
    }
  }
}
