package dev.opal4j.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.RpcMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The subscriber's RPC behaviour, frame by frame, against opal-protocol.md §1.3–§1.5. */
class RpcClientChannelTest {
  private final List<String> sent = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private final List<String> notified = new ArrayList<>();
  private final RpcClientChannel channel = new RpcClientChannel("0123456789abcdef0123456789abcdef",
      (topic, data) -> notified.add(topic + " " + Json.write(data)),
      new RpcClientChannel.Transport() {
        @Override
        public void send(String frame) {
          sent.add(frame);
        }

        @Override
        public void fail(int closeCode, String reason) {
          failures.add(closeCode + " " + reason);
        }
      });

  @Test
  void notifyReachesTheListenerAndIsAnsweredWithPythonsNoneString() {
    channel.onMessage("{\"request\": {\"method\": \"notify\", \"arguments\": {\"subscription\": {\"id\": \"a1\", "
        + "\"subscriber_id\": \"b2\", \"topic\": \"policy_data\", \"notifier_id\": null}, \"data\": {\"id\": null, "
        + "\"entries\": [], \"reason\": \"r\", \"callback\": {\"callbacks\": []}}}, \"call_id\": \"c3\"}, \"response\": null}");
    assertThat(notified).containsExactly(
        "policy_data {\"id\":null,\"entries\":[],\"reason\":\"r\",\"callback\":{\"callbacks\":[]}}");
    assertThat(sent).containsExactly(
        "{\"request\": null, \"response\": {\"result\": \"None\", \"result_type\": \"str\", \"call_id\": \"c3\"}}");
    assertThat(failures).isEmpty();
  }

  @Test
  void notifyWithNullDataPassesAJsonNull() {
    channel.onMessage("{\"request\":{\"method\":\"notify\",\"arguments\":{\"subscription\":{\"topic\":\"webhook\"},"
        + "\"data\":null},\"call_id\":\"x\"}}");
    assertThat(notified).containsExactly("webhook null");
  }

  @Test
  void listenerFailureStillAnswersTheNotify() {
    RpcClientChannel throwing = new RpcClientChannel("id", (t, d) -> {
      throw new IllegalStateException("boom");
    }, new RpcClientChannel.Transport() {
      @Override
      public void send(String frame) {
        sent.add(frame);
      }

      @Override
      public void fail(int closeCode, String reason) {
        failures.add(reason);
      }
    });
    throwing.onMessage("{\"request\":{\"method\":\"notify\",\"arguments\":{\"subscription\":{\"topic\":\"t\"},"
        + "\"data\":{}},\"call_id\":\"k\"}}");
    assertThat(sent).singleElement().asString().contains("\"call_id\": \"k\"");
    assertThat(failures).isEmpty();
  }

  @Test
  void pingAndUnderscorePingAreAnsweredWithPong() {
    channel.onMessage("{\"request\": {\"method\": \"_ping_\", \"arguments\": {}, \"call_id\": \"p1\"}, \"response\": null}");
    channel.onMessage("{\"request\": {\"method\": \"ping\", \"arguments\": {}, \"call_id\": \"p2\"}, \"response\": null}");
    assertThat(sent).containsExactly(
        "{\"request\": null, \"response\": {\"result\": \"pong\", \"result_type\": \"str\", \"call_id\": \"p1\"}}",
        "{\"request\": null, \"response\": {\"result\": \"pong\", \"result_type\": \"str\", \"call_id\": \"p2\"}}");
  }

  @Test
  void getChannelIdReturnsOurChannelId() {
    channel.onMessage("{\"request\": {\"method\": \"_get_channel_id_\", \"arguments\": {}, \"call_id\": \"g\"}}");
    assertThat(sent).containsExactly("{\"request\": null, \"response\": {\"result\": "
        + "\"0123456789abcdef0123456789abcdef\", \"result_type\": \"str\", \"call_id\": \"g\"}}");
  }

  @Test
  void unexpectedNotifyArgumentEndsTheConnectionLikePythonsTypeError() {
    channel.onMessage("{\"request\":{\"method\":\"notify\",\"arguments\":{\"subscription\":{\"topic\":\"t\"},"
        + "\"data\":{},\"extra\":1},\"call_id\":\"n\"}}");
    assertThat(failures).containsExactly("1008 notify got an unexpected argument 'extra'");
    assertThat(notified).isEmpty();
    assertThat(sent).isEmpty();
  }

  @Test
  void notifyWithoutATopicEndsTheConnection() {
    channel.onMessage("{\"request\":{\"method\":\"notify\",\"arguments\":{\"data\":{}},\"call_id\":\"n\"}}");
    assertThat(failures).singleElement().asString().startsWith("1008 ");
    assertThat(sent).isEmpty();
  }

  @Test
  void unknownMethodEndsTheConnection() {
    channel.onMessage("{\"request\":{\"method\":\"reboot\",\"arguments\":{},\"call_id\":\"u\"}}");
    assertThat(failures).containsExactly("1008 server called unknown RPC method 'reboot'");
    assertThat(sent).isEmpty();
  }

  @Test
  void unknownPrivateMethodIsIgnoredWithoutAnswer() {
    channel.onMessage("{\"request\":{\"method\":\"_secret_\",\"arguments\":{},\"call_id\":\"s\"}}");
    assertThat(failures).isEmpty();
    assertThat(sent).isEmpty();
  }

  @Test
  void invalidJsonEndsTheConnectionWithInvalidPayload() {
    channel.onMessage("{not json");
    assertThat(failures).singleElement().asString().startsWith("1007 ");
  }

  @Test
  void subscribeCallIsTheByteExactRequestAndCompletesOnTheMatchingResponse() throws Exception {
    ObjectNode args = Json.object();
    args.putArray("topics").add("policy_data");
    CompletableFuture<RpcMessage.Response> call = channel.call("subscribe", args);
    assertThat(sent).hasSize(1);
    JsonNode frame = Json.parse(sent.get(0));
    String callId = frame.at("/request/call_id").asText();
    assertThat(callId).matches("[0-9a-f]{32}");
    assertThat(sent.get(0)).isEqualTo("{\"request\": {\"method\": \"subscribe\", \"arguments\": {\"topics\": "
        + "[\"policy_data\"]}, \"call_id\": \"" + callId + "\"}, \"response\": null}");

    channel.onMessage("{\"request\": null, \"response\": {\"result\": true, \"result_type\": \"bool\", "
        + "\"call_id\": \"someone-else\"}}");
    assertThat(call).isNotDone();
    channel.onMessage("{\"request\": null, \"response\": {\"result\": true, \"result_type\": \"bool\", "
        + "\"call_id\": \"" + callId + "\"}}");
    assertThat(call).isCompleted();
    assertThat(call.get().result().booleanValue()).isTrue();
    assertThat(call.get().resultType()).isEqualTo("bool");
  }

  @Test
  void closeFailsPendingAndLaterCalls() {
    CompletableFuture<RpcMessage.Response> pending = channel.call("_ping_", Json.object());
    channel.close(new IOException("gone"));
    assertThat(pending).isCompletedExceptionally();
    CompletableFuture<RpcMessage.Response> late = channel.call("_ping_", Json.object());
    assertThat(late).isCompletedExceptionally();
    assertThat(sent).hasSize(1);
  }
}
