package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The /ws endpoint driven over a real websocket with the exact frames of opal-protocol.md §1.3–1.6
 * (the Python client's sequence: _ping_, one subscribe, then answering every notify).
 */
class WebSocketProtocolTest {
  private static RunningServer server;

  @BeforeAll
  static void start() throws Exception {
    server = RunningServer.start(Map.of("OPAL_WS_PING_INTERVAL_SECONDS", "0.2", "OPAL_WS_MAX_FRAME_BYTES", "65536"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static RpcTestClient connectAndSubscribe(String... topics) throws Exception {
    RpcTestClient c = RpcTestClient.connect(server.ws(), "Bearer THIS_IS_A_DEV_SECRET");
    JsonNode pong = c.request("_ping_", "{}");
    assertThat(pong.at("/response/result").asText()).isEqualTo("pong");
    StringBuilder list = new StringBuilder("[");
    for (int i = 0; i < topics.length; i++) {
      list.append(i > 0 ? ", " : "").append('"').append(topics[i]).append('"');
    }
    JsonNode sub = c.request("subscribe", "{\"topics\": " + list.append(']') + "}");
    assertThat(sub.at("/response/result").asBoolean()).isTrue();
    return c;
  }

  @Test
  void pingIsAnsweredWithPongAsAStringResult() throws Exception {
    try (RpcTestClient c = RpcTestClient.connect(server.ws(), null)) {
      String id = c.call("_ping_", "{}");
      assertThat(c.nextRaw()).isEqualTo("{\"request\": null, \"response\": {\"result\": \"pong\", \"result_type\": \"str\","
          + " \"call_id\": \"" + id + "\"}}");
      assertThat(c.request("ping", "{}").at("/response/result").asText()).isEqualTo("pong");
    }
  }

  @Test
  void channelIdIsThirtyTwoHexDigitsAndIsTheSubscriberIdOfNotifications() throws Exception {
    try (RpcTestClient c = connectAndSubscribe("policy_data")) {
      String channel = c.request("_get_channel_id_", "{}").at("/response/result").asText();
      assertThat(channel).matches("[0-9a-f]{32}");
      server.post("/data/config", "{\"entries\": [{\"url\": \"http://x\"}]}");
      JsonNode notify = c.next();
      assertThat(notify.at("/request/arguments/subscription/subscriber_id").asText()).isEqualTo(channel);
    }
  }

  @Test
  void aRestDataUpdateReachesSubscribersAsANotifyWithExpandedTopics() throws Exception {
    try (RpcTestClient c = connectAndSubscribe("policy_data")) {
      var response = server.post("/data/config", "{\"entries\": [{\"url\": \"https://api.example.com/users\","
          + " \"topics\": [\"policy_data/users\"], \"dst_path\": \"/users\"}], \"reason\": \"user added\"}");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("{\"status\": \"ok\"}");
      JsonNode notify = c.next();
      assertThat(notify.at("/request/method").asText()).isEqualTo("notify");
      JsonNode args = notify.at("/request/arguments");
      assertThat(args.size()).isEqualTo(2);
      JsonNode subscription = args.get("subscription");
      assertThat(subscription.fieldNames()).toIterable().containsExactly("id", "subscriber_id", "topic", "notifier_id");
      assertThat(subscription.get("topic").asText()).isEqualTo("policy_data");
      assertThat(subscription.get("notifier_id").isNull()).isTrue();
      assertThat(args.at("/data/entries/0/topics").toString()).isEqualTo("[\"policy_data\",\"policy_data/users\"]");
      assertThat(args.at("/data/reason").asText()).isEqualTo("user added");
      assertThat(args.at("/data/callback").toString()).isEqualTo("{\"callbacks\":[]}");
      assertThat(notify.at("/response").isNull()).isTrue();
      c.answer(notify);
      assertThat(c.frames.poll(200, TimeUnit.MILLISECONDS)).isNull(); // one topic subscribed → one notify
    }
  }

  @Test
  void aClientSubscribedToSeveralLevelsGetsOneNotifyPerTopic() throws Exception {
    try (RpcTestClient c = connectAndSubscribe("policy_data", "policy_data/users")) {
      server.post("/data/config", "{\"entries\": [{\"url\": \"\", \"topics\": [\"policy_data/users\"]}]}");
      assertThat(c.next().at("/request/arguments/subscription/topic").asText()).isEqualTo("policy_data");
      assertThat(c.next().at("/request/arguments/subscription/topic").asText()).isEqualTo("policy_data/users");
    }
  }

  @Test
  void rpcPublishReachesOthersButNotThePublisher() throws Exception {
    try (RpcTestClient publisher = connectAndSubscribe("t1"); RpcTestClient other = connectAndSubscribe("t1")) {
      JsonNode result = publisher.request("publish", "{\"topics\": [\"t1\"], \"data\": {\"v\": 1}, \"sync\": true, \"notifier_id\": null}");
      assertThat(result.at("/response/result").asBoolean()).isTrue();
      assertThat(result.at("/response/result_type").asText()).isEqualTo("bool");
      JsonNode notify = other.next();
      assertThat(notify.at("/request/arguments/data").toString()).isEqualTo("{\"v\":1}");
      assertThat(publisher.frames.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void allTopicsSubscriptionReceivesEveryTopicUnderItsRealName() throws Exception {
    try (RpcTestClient all = connectAndSubscribe("__EventNotifier_ALL_TOPICS__")) {
      server.post("/data/config", "{\"entries\": [{\"url\": \"\", \"topics\": [\"custom_topic\"]}]}");
      assertThat(all.next().at("/request/arguments/subscription/topic").asText()).isEqualTo("custom_topic");
    }
  }

  @Test
  void unsubscribeStopsDelivery() throws Exception {
    try (RpcTestClient c = connectAndSubscribe("u1")) {
      assertThat(c.request("unsubscribe", "{\"topics\": [\"u1\"]}").at("/response/result").asBoolean()).isTrue();
      server.post("/data/config", "{\"entries\": [{\"url\": \"\", \"topics\": [\"u1\"]}]}");
      assertThat(c.frames.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void aNettyClientOfferingNoContextTakeoverCompressesAndNotificationsOfEverySizeArrive() throws Exception {
    try (RpcTestClient c = RpcTestClient.connect(server.ws(), null, true)) {
      assertThat(c.request("_ping_", "{}").at("/response/result").asText()).isEqualTo("pong");
      assertThat(c.request("subscribe", "{\"topics\": [\"deflated\"]}").at("/response/result").asBoolean()).isTrue();
      // Frame headers with 7-bit, 16-bit and 64-bit lengths.
      for (int size : new int[] {1, 200, 70_000}) {
        String blob = "x".repeat(size);
        server.post("/data/config", "{\"entries\": [{\"url\": \"" + blob + "\", \"topics\": [\"deflated\"]}]}");
        JsonNode notify = c.next();
        assertThat(notify.at("/request/method").asText()).isEqualTo("notify");
        assertThat(notify.at("/request/arguments/data/entries/0/url").asText()).isEqualTo(blob);
        c.answer(notify);
      }
      assertThat(c.request("_ping_", "{}").at("/response/result").asText()).isEqualTo("pong");
    }
  }

  @Test
  void theServerPingsClientsAtTheConfiguredInterval() throws Exception {
    try (RpcTestClient c = RpcTestClient.connect(server.ws(), null)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> c.pings >= 2);
      assertThat(c.isClosed()).isFalse(); // pongs were answered, so the session lives on
    }
  }

  // ---- bad input: a precise close for the sender only ----

  private static void assertClosedWith(RpcTestClient c, int code, String reasonPart) {
    await().atMost(Duration.ofSeconds(5)).until(() -> c.closeCode != null);
    assertThat(c.closeCode).isEqualTo(code);
    assertThat(c.closeReason).contains(reasonPart);
  }

  @Test
  void invalidJsonClosesWith1007AndOthersAreUnaffected() throws Exception {
    try (RpcTestClient bystander = connectAndSubscribe("b1"); RpcTestClient bad = RpcTestClient.connect(server.ws(), null)) {
      bad.send("{not json");
      assertClosedWith(bad, 1007, "not valid JSON");
      server.post("/data/config", "{\"entries\": [{\"url\": \"\", \"topics\": [\"b1\"]}]}");
      assertThat(bystander.next().at("/request/method").asText()).isEqualTo("notify");
    }
  }

  @Test
  void unknownMethodClosesWith1008NamingIt() throws Exception {
    try (RpcTestClient c = RpcTestClient.connect(server.ws(), null)) {
      c.call("no_such_method", "{}");
      assertClosedWith(c, 1008, "unknown method 'no_such_method'");
    }
  }

  @Test
  void privateMethodsCloseWith1008InsteadOfLeavingTheCallerWaiting() throws Exception {
    try (RpcTestClient c = RpcTestClient.connect(server.ws(), null)) {
      c.call("_secret_", "{}");
      assertClosedWith(c, 1008, "method '_secret_' is private");
    }
  }

  @Test
  void nullArgumentsCloseWith1008() throws Exception {
    try (RpcTestClient c = RpcTestClient.connect(server.ws(), null)) {
      c.send("{\"request\": {\"method\": \"subscribe\", \"arguments\": null, \"call_id\": \"1\"}, \"response\": null}");
      assertClosedWith(c, 1008, "must be an object, got null");
    }
  }

  @Test
  void unexpectedOrMissingArgumentsCloseWith1008() throws Exception {
    try (RpcTestClient c = RpcTestClient.connect(server.ws(), null)) {
      c.call("subscribe", "{\"topics\": [\"a\"], \"extra\": 1}");
      assertClosedWith(c, 1008, "unexpected argument 'extra'");
    }
    try (RpcTestClient c = RpcTestClient.connect(server.ws(), null)) {
      c.call("subscribe", "{}");
      assertClosedWith(c, 1008, "missing required argument 'topics'");
    }
    try (RpcTestClient c = RpcTestClient.connect(server.ws(), null)) {
      c.call("subscribe", "{\"topics\": 5}");
      assertClosedWith(c, 1008, "'topics' must be a list of strings");
    }
  }

  @Test
  void binaryFramesCloseWith1003() throws Exception {
    try (RpcTestClient c = RpcTestClient.connect(server.ws(), null)) {
      c.sendBinary(new byte[] {1, 2, 3});
      assertClosedWith(c, 1003, "binary frames are not supported");
    }
  }

  @Test
  void framesOverTheInboundLimitCloseWith1009() throws Exception {
    try (RpcTestClient c = RpcTestClient.connect(server.ws(), null)) {
      c.call("publish", "{\"topics\": [\"x\"], \"data\": \"" + "a".repeat(70_000) + "\"}");
      await().atMost(Duration.ofSeconds(5)).until(() -> c.closeCode != null);
      assertThat(c.closeCode).isEqualTo(1009);
    }
  }
}
