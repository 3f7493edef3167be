package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.client.NotificationQueue;
import dev.opal4j.client.OpalSubscriber;
import dev.opal4j.client.SubscriberOptions;
import dev.opal4j.protocol.Json;
import dev.opal4j.testkit.BackboneFixture;
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
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * OPAL_STATISTICS_ENABLED across a fleet on one real backbone: two nodes of two worker processes,
 * opal4j clients announcing themselves with stat ids on every worker. Every worker's {@code
 * /statistics} lists every client and every worker; upstream-format stats messages injected into
 * the backbone (as a Python server sends them) are taken in, and opal4j's are upstream's shapes; a
 * disconnect removes its client; a killed node, its workers and its clients drop out after the
 * keepalive timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class StatisticsFleetContract {
  private static final int CLIENTS_PER_NODE = 6;
  private static final int KEEPALIVE_TIMEOUT_SECONDS = 2;
  private BackboneFixture backbone;
  private final List<OpalServerProcess> nodes = new ArrayList<>();
  private final Map<String, OpalSubscriber> clientsByStatId = new HashMap<>();
  private final Map<String, Integer> nodeOfStatId = new HashMap<>();
  private final List<String> heard = new CopyOnWriteArrayList<>();
  private Broadcaster observer;

  protected abstract BackboneFixture startBackbone();

  /** Sends one raw message on the channel with the backbone's own command-line tool. */
  protected abstract void injectWithNativeTool(BackboneFixture backbone, String channel, String message) throws Exception;

  @BeforeAll
  void startFleet() throws Exception {
    backbone = startBackbone();
    BroadcastSettings settings = new BroadcastSettings(backbone.uri(), "EventNotifier", "observer-" + UUID.randomUUID(), Map.of());
    observer = Broadcasters.discover().factoryFor(settings).create(settings, new BroadcastListener() {
      @Override
      public void onMessage(String message) {
        heard.add(message);
      }

      @Override
      public void onConnectionLost(Throwable cause) {}
    });
    observer.connect();
    for (String name : List.of("node-a", "node-b")) {
      OpalServerProcess node = OpalServerProcess.start(name, Map.of(
          "OPAL_BROADCAST_URI", backbone.uri().toString(),
          "UVICORN_NUM_WORKERS", "2",
          "OPAL_STATISTICS_ENABLED", "true",
          "OPAL_STATISTICS_SERVER_KEEPALIVE_TIMEOUT", Integer.toString(KEEPALIVE_TIMEOUT_SECONDS)));
      nodes.add(node);
      await().atMost(Duration.ofSeconds(60)).until(() -> SocketOwners.listeners(node.port()) == 2);
      node.awaitWorkersJoined(2); // a client connected before its worker's first join is resynced (1012)
    }
    for (int n = 0; n < nodes.size(); n++) {
      OpalServerProcess node = nodes.get(n);
      for (int attempt = 0; attempt < 5 && new HashSet<>(SocketOwners.ownersByPeerPort(node.port()).values()).size() < 2;
          attempt++) {
        for (int i = 0; i < CLIENTS_PER_NODE; i++) {
          String statId = "stat-" + n + "-" + attempt + "-" + i;
          clientsByStatId.put(statId, OpalSubscriber.connect(URI.create(node.ws()), Optional.empty(),
              List.of("policy_data"), new NotificationQueue(), SubscriberOptions.defaults().withStatistics(statId)));
          nodeOfStatId.put(statId, n);
        }
      }
      assertThat(new HashSet<>(SocketOwners.ownersByPeerPort(node.port()).values()))
          .as("worker pids holding clients on node " + n).hasSize(2);
    }
  }

  @AfterAll
  void stopFleet() throws Exception {
    clientsByStatId.values().forEach(OpalSubscriber::abort);
    if (observer != null) {
      observer.close();
    }
    for (OpalServerProcess node : nodes) {
      node.close();
    }
    if (backbone != null) {
      backbone.close();
    }
  }

  /** {@code /statistics} from whichever worker the kernel hands a fresh connection to. */
  private static JsonNode statistics(OpalServerProcess node) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.http() + "/statistics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      return Json.parse(r.body());
    }
  }

  /** Asks a node until both its workers (the first of {@code servers} is the one answering) passed {@code check}. */
  private static void onEveryWorker(OpalServerProcess node, java.util.function.Consumer<JsonNode> check) {
    Set<String> answered = new HashSet<>();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      JsonNode stats = statistics(node);
      check.accept(stats);
      answered.add(stats.get("servers").get(0).asText());
      assertThat(answered).as("workers that answered with everything").hasSize(2);
    });
  }

  private static Set<String> names(JsonNode object) {
    Set<String> names = new HashSet<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  @Order(1)
  void everyWorkerOfEveryNodeListsEveryClientAndEveryWorker() {
    for (OpalServerProcess node : nodes) {
      onEveryWorker(node, stats -> {
        assertThat(names(stats.get("clients"))).containsAll(clientsByStatId.keySet());
        assertThat(stats.get("servers")).hasSize(4);
        OpalSubscriber some = clientsByStatId.values().iterator().next();
        String statId = clientsByStatId.entrySet().stream().filter(e -> e.getValue() == some).findFirst().orElseThrow().getKey();
        assertThat(stats.at("/clients/" + statId + "/0").toString()).isEqualTo("{\"rpc_id\":\"" + some.channelId()
            + "\",\"client_id\":\"" + statId + "\",\"topics\":[\"policy_data\"]}");
      });
    }
  }

  @Test
  @Order(2)
  void upstreamFormatStatsMessagesFromAPythonServerAreTakenIn() throws Exception {
    String add = "{\"notifier_id\": \"python-notifier\", \"topics\": [\"__opal_stats_add\"], \"data\": {\"topics\":"
        + " [\"policy:.\"], \"client_id\": \"python-client\", \"rpc_id\": \"python-rpc-1\"}}";
    injectWithNativeTool(backbone, "EventNotifier", add);
    for (OpalServerProcess node : nodes) {
      onEveryWorker(node, stats -> {
        assertThat(stats.at("/clients/python-client/0/rpc_id").asText()).isEqualTo("python-rpc-1");
        assertThat(stats.at("/clients/python-client/0/topics/0").asText()).isEqualTo("policy:.");
      });
    }
    // a Python worker's keepalive makes it one of the servers (for as long as it keeps them coming)
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      injectWithNativeTool(backbone, "EventNotifier", "{\"notifier_id\": \"python-notifier\", \"topics\":"
          + " [\"__opal_stats_server_keepalive\"], \"data\": {\"worker_id\": \"python-worker-1\"}}");
      assertThat(statistics(nodes.get(1)).get("servers").toString()).contains("python-worker-1");
    });
    injectWithNativeTool(backbone, "EventNotifier", "{\"notifier_id\": \"python-notifier\", \"topics\":"
        + " [\"__opal_stats_rm\"], \"data\": \"python-rpc-1\"}");
    for (OpalServerProcess node : nodes) {
      onEveryWorker(node, stats -> assertThat(stats.get("clients").has("python-client")).isFalse());
    }
  }

  @Test
  @Order(3)
  void opal4jsStatsMessagesOnTheBackboneAreUpstreamsShapes() throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> heard.stream().anyMatch(m -> m.contains("__opal_stats_server_keepalive")));
    JsonNode keepalive = Json.parse(heard.stream().filter(m -> m.contains("__opal_stats_server_keepalive")).findFirst().orElseThrow());
    assertThat(keepalive.get("topics").toString()).isEqualTo("[\"__opal_stats_server_keepalive\"]");
    assertThat(names(keepalive.get("data"))).containsExactly("worker_id");
    assertThat(keepalive.at("/data/worker_id").asText()).isEqualTo(keepalive.get("notifier_id").asText()).hasSize(32);

    String requester = "python-new-worker-" + UUID.randomUUID();
    injectWithNativeTool(backbone, "EventNotifier", "{\"notifier_id\": \"python-notifier-2\", \"topics\":"
        + " [\"__opal_stats_wakeup\"], \"data\": {\"requesting_worker_id\": \"" + requester + "\"}}");
    await().atMost(Duration.ofSeconds(15)).until(() -> heard.stream().anyMatch(m -> m.contains(requester) && m.contains("__opal_stats_state_sync")));
    List<JsonNode> answers = new ArrayList<>();
    for (String m : heard) {
      if (m.contains(requester) && m.contains("__opal_stats_state_sync")) {
        answers.add(Json.parse(m));
      }
    }
    JsonNode sync = answers.get(0).get("data");
    assertThat(sync.get("requesting_worker_id").asText()).isEqualTo(requester);
    assertThat(names(sync.get("clients"))).containsAll(clientsByStatId.keySet());
    String someStatId = clientsByStatId.keySet().iterator().next();
    assertThat(sync.at("/rpc_id_to_client_id/" + clientsByStatId.get(someStatId).channelId()).asText()).isEqualTo(someStatId);
    assertThat(sync.at("/clients/" + someStatId + "/0/rpc_id").asText()).isEqualTo(clientsByStatId.get(someStatId).channelId());
  }

  @Test
  @Order(4)
  void aClientThatDisconnectsIsRemovedEverywhereWithAnRmMessage() throws Exception {
    String statId = clientsByStatId.keySet().stream().filter(id -> nodeOfStatId.get(id) == 0).findFirst().orElseThrow();
    OpalSubscriber leaving = clientsByStatId.remove(statId);
    String rpcId = leaving.channelId();
    leaving.close();
    for (OpalServerProcess node : nodes) {
      onEveryWorker(node, stats -> assertThat(stats.get("clients").has(statId)).isFalse());
    }
    assertThat(heard).anySatisfy(m -> {
      JsonNode message = Json.parse(m);
      assertThat(message.get("topics").toString()).isEqualTo("[\"__opal_stats_rm\"]");
      assertThat(message.get("data").asText()).isEqualTo(rpcId);
    });
  }

  @Test
  @Order(5)
  void aKilledNodeItsWorkersAndItsClientsDropOutAfterTheKeepaliveTimeout() throws Exception {
    OpalServerProcess killed = nodes.get(1);
    killed.kill(); // SIGKILL: no goodbye, no rm messages
    Set<String> survivors = new HashSet<>();
    clientsByStatId.keySet().stream().filter(id -> nodeOfStatId.get(id) == 0).forEach(survivors::add);
    onEveryWorker(nodes.get(0), stats -> {
      assertThat(stats.get("servers")).hasSize(2);
      assertThat(names(stats.get("clients"))).isEqualTo(survivors);
    });
  }
}
