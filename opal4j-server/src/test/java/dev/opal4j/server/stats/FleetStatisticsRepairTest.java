package dev.opal4j.server.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.core.hub.DeliveryLane;
import dev.opal4j.core.hub.Hub;
import dev.opal4j.core.hub.Subscriber;
import dev.opal4j.core.hub.Subscription;
import dev.opal4j.core.hub.TopicRegistry;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.NotifyFrames;
import dev.opal4j.server.publish.UpdatePublisher;
import dev.opal4j.server.config.ServerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The statistics table in fake time, fed the way the hub feeds it: a backbone outage longer than the
 * keepalive timeout makes both sides drop each other's clients; when a peer's keepalive is heard
 * again each side re-sends its own connections' channels, and a peer's re-sent table is merged in.
 */
class FleetStatisticsRepairTest {
  private static final ServerConfig.Statistics SETTINGS = new ServerConfig.Statistics(true, "__opal_stats_add",
      "__opal_stats_rm", "__opal_stats_wakeup", "__opal_stats_state_sync", "__opal_stats_server_keepalive",
      Duration.ofSeconds(20), 15, 1 << 20);

  private final AtomicLong now = new AtomicLong();
  private final Hub hub = new Hub(new TopicRegistry());
  private final FleetStatistics stats = new FleetStatistics(SETTINGS, new UpdatePublisher(hub, null, 1 << 20), "me",
      "test", 1, Instant.parse("2026-12-01T10:00:00Z"), now::get, () -> 0.0);
  private final List<String> sent = new CopyOnWriteArrayList<>(); // what this worker sent: "topic data"
  private final Session session = new Session("session-1");

  FleetStatisticsRepairTest() {
    hub.observe(stats);
    hub.attachBackbone((topic, dataJson) -> sent.add(topic + " " + dataJson)); // what goes to the peers
    hub.register(session);
  }

  private JsonNode clients() throws Exception {
    return Json.parse(stats.statistics()).get("clients");
  }

  private void heardFrom(String peer, String topic, String data) {
    hub.deliverLocal(List.of(topic), data, peer);
  }

  @Test
  void afterAnOutageEachSideResendsItsOwnClientsAndMergesThePeersResentTable() throws Exception {
    hub.publish(List.of("__opal_stats_add"), "{\"topics\": [\"policy_data\"], \"client_id\": \"mine\", \"rpc_id\": \"r-mine\"}",
        session.id());
    heardFrom("peer", "__opal_stats_add", "{\"topics\": [], \"client_id\": \"theirs\", \"rpc_id\": \"r-theirs\"}");
    heardFrom("peer", "__opal_stats_add", "{\"topics\": [], \"client_id\": \"leaves\", \"rpc_id\": \"r-leaves\"}");
    heardFrom("peer", "__opal_stats_server_keepalive", "{\"worker_id\": \"peer\"}");
    assertThat(sent).anySatisfy(m -> assertThat(m).startsWith("__opal_stats_state_sync "));
    JsonNode resent = Json.parse(sent.get(sent.size() - 1).substring("__opal_stats_state_sync ".length()));
    assertThat(resent.get("requesting_worker_id").asText()).isEqualTo("peer");
    assertThat(resent.at("/clients/mine/0/rpc_id").asText()).isEqualTo("r-mine");
    assertThat(resent.get("clients").has("theirs")).as("only our own connections").isFalse();
    assertThat(resent.at("/rpc_id_to_client_id/r-mine").asText()).isEqualTo("mine");

    now.addAndGet(Duration.ofSeconds(21).toNanos()); // the backbone is down: no keepalive from the peer
    stats.keepalive();
    assertThat(clients().has("theirs")).as("dropped with its silent server").isFalse();
    assertThat(Json.parse(stats.statistics()).get("servers").toString()).isEqualTo("[\"me\"]");

    sent.clear();
    heardFrom("peer", "__opal_stats_server_keepalive", "{\"worker_id\": \"peer\"}");
    assertThat(sent).hasSize(2);
    assertThat(sent.get(0)).startsWith("__opal_stats_state_sync ");
    assertThat(sent.get(1)).as("the peer may not have expired us: ask the fleet for the table")
        .isEqualTo("__opal_stats_wakeup {\"requesting_worker_id\":\"me\"}");
    heardFrom("peer", "__opal_stats_state_sync", "{\"requesting_worker_id\": \"me\", \"clients\": {\"theirs\":"
        + " [{\"rpc_id\": \"r-theirs\", \"client_id\": \"theirs\", \"topics\": [], \"opal4j_server\": \"peer\"}]},"
        + " \"rpc_id_to_client_id\": {\"r-theirs\": \"theirs\"}}");
    assertThat(clients().has("theirs")).isTrue();
    assertThat(clients().has("leaves")).as("not in the peer's table any more").isFalse();
    assertThat(clients().has("mine")).isTrue();

    now.addAndGet(Duration.ofSeconds(21).toNanos());
    stats.keepalive();
    assertThat(clients().has("theirs")).as("the merged channels are still the peer's").isFalse();
  }

  @Test
  void aClosingConnectionRemovesWhatItAnnouncedAndSaysSoWithUpstreamsRmMessage() throws Exception {
    hub.publish(List.of("__opal_stats_add"), "{\"topics\": [], \"client_id\": \"c\", \"rpc_id\": \"r-1\"}", session.id());
    assertThat(clients().has("c")).isTrue();
    hub.unregister(session);
    assertThat(clients().has("c")).isFalse();
    assertThat(sent).contains("__opal_stats_rm \"r-1\"");
  }

  @Test
  void aPeersRmAndAnAddWithoutRequiredMembersAreHandledAsUpstreamDoes() throws Exception {
    heardFrom("py", "__opal_stats_add", "{\"topics\": [\"t\"], \"client_id\": \"py-client\", \"rpc_id\": \"py-1\"}");
    heardFrom("py", "__opal_stats_add", "{\"client_id\": \"broken\"}");
    heardFrom("py", "__opal_stats_add", "not json");
    assertThat(clients().toString()).isEqualTo("{\"py-client\":[{\"rpc_id\":\"py-1\",\"client_id\":\"py-client\",\"topics\":[\"t\"]}]}");
    heardFrom("py", "__opal_stats_rm", "\"py-1\"");
    assertThat(clients().isEmpty()).isTrue();
    assertThat(sent).noneMatch(m -> m.startsWith("__opal_stats_rm")); // a peer's removal is not echoed
  }

  private static class Session implements Subscriber {
    private final String id;

    Session(String id) {
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public void send(Subscription subscription, NotifyFrames.Prepared update) {}

    @Override
    public void closeForResync() {}

    @Override
    public DeliveryLane lane() {
      return null;
    }
  }
}
