package dev.opal4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client side of the OPAL protocol, driven frame by frame (no network). */
class SubscriberConnectionTest {
  private static final long RUN = 77;
  private NettyTransport transport;
  private SubscriberFleet fleet;
  private BenchSubscriber sub;
  private EmbeddedChannel ch;

  @BeforeEach
  void setUp() {
    transport = new NettyTransport(1, 1000, false);
    URI uri = URI.create("ws://127.0.0.1:9/ws");
    SubscriberFleet.Target target = new SubscriberFleet.Target(new InetSocketAddress("127.0.0.1", 9),
        NettyTransport.config(uri, new DefaultHttpHeaders(), 1 << 20, 1000));
    fleet = new SubscriberFleet(transport, List.of(target), List.of(), 1, List.of("policy_data"), 4, 1 << 20, false,
        new RunStats(0), RUN);
    sub = fleet.subscribers().get(0);
    ch = new EmbeddedChannel(new SubscriberConnection(sub, fleet));
  }

  @AfterEach
  void tearDown() {
    ch.finishAndReleaseAll();
    transport.close();
  }

  private String nextOutbound() {
    TextWebSocketFrame f = ch.readOutbound();
    try {
      return f.text();
    } finally {
      f.release();
    }
  }

  private void serverSends(String text) {
    ch.writeInbound(new TextWebSocketFrame(text));
  }

  private void subscribe() {
    ch.pipeline().fireUserEventTriggered(ClientHandshakeStateEvent.HANDSHAKE_COMPLETE);
    assertThat(nextOutbound()).contains("\"method\": \"_ping_\"").contains("\"arguments\": {}");
    serverSends("{\"request\": null, \"response\": {\"result\": \"pong\", \"result_type\": \"str\", \"call_id\": \"ping-0\"}}");
    assertThat(nextOutbound()).contains("\"method\": \"subscribe\"").contains("{\"topics\": [\"policy_data\"]}");
    serverSends("{\"request\": null, \"response\": {\"result\": true, \"result_type\": \"bool\", \"call_id\": \"sub-0\"}}");
  }

  private static String notify(long seq, String callId) {
    return "{\"request\": {\"method\": \"notify\", \"arguments\": {\"subscription\": {\"id\": \"s1\", \"subscriber_id\": \"c1\", "
        + "\"topic\": \"policy_data\", \"notifier_id\": null}, \"data\": " + new BenchPayload(RUN, "policy_data", 0)
        .dataUpdate(seq, System.nanoTime()) + "}, \"call_id\": \"" + callId + "\"}, \"response\": null}";
  }

  @Test
  void pingsThenSubscribesLikeThePythonClient() {
    subscribe();
    assertThat(sub.subscribed).isTrue();
    assertThat(fleet.subscribedNow()).isEqualTo(1);
    assertThat(sub.firstExpected).isEqualTo(1);
  }

  @Test
  void answersEveryNotifyExactlyLikeThePythonClientAndMeasuresIt() {
    subscribe();
    serverSends(notify(1, "0123456789abcdef0123456789abcdef"));
    assertThat(nextOutbound()).isEqualTo(
        "{\"request\": null, \"response\": {\"result\": \"None\", \"result_type\": \"str\", \"call_id\": \"0123456789abcdef0123456789abcdef\"}}");
    assertThat(fleet.stats().deliveries.sum()).isEqualTo(1);
    assertThat(sub.counted).isEqualTo(1);
  }

  @Test
  void aRepeatedUpdateIsCountedAsADuplicateButStillAnswered() {
    subscribe();
    serverSends(notify(1, "a1"));
    serverSends(notify(1, "a2"));
    nextOutbound();
    assertThat(nextOutbound()).contains("\"call_id\": \"a2\"");
    assertThat(sub.window.duplicates()).isEqualTo(1);
    assertThat(sub.counted).isEqualTo(1);
  }

  @Test
  void notifiesOfOtherRunsAreAnsweredButNotMeasured() {
    subscribe();
    serverSends(notify(1, "x").replace("\"opal4j_bench_run\": 77", "\"opal4j_bench_run\": 78"));
    assertThat(nextOutbound()).contains("\"call_id\": \"x\"");
    assertThat(fleet.stats().foreignNotifies.sum()).isEqualTo(1);
    assertThat(fleet.stats().deliveries.sum()).isZero();
  }

  @Test
  void answersTheServersOwnCallsToPingAndChannelId() {
    subscribe();
    serverSends("{\"request\": {\"method\": \"_get_channel_id_\", \"arguments\": {}, \"call_id\": \"q1\"}, \"response\": null}");
    assertThat(nextOutbound()).isEqualTo("{\"request\": null, \"response\": {\"result\": \"" + sub.channelId
        + "\", \"result_type\": \"str\", \"call_id\": \"q1\"}}");
  }

  @Test
  void aRefusedSubscribeIsAConnectFailure() {
    ch.pipeline().fireUserEventTriggered(ClientHandshakeStateEvent.HANDSHAKE_COMPLETE);
    nextOutbound();
    serverSends("{\"request\": null, \"response\": {\"result\": \"pong\", \"result_type\": \"str\", \"call_id\": \"ping-0\"}}");
    nextOutbound();
    serverSends("{\"request\": null, \"response\": {\"result\": false, \"result_type\": \"bool\", \"call_id\": \"sub-0\"}}");
    assertThat(sub.subscribed).isFalse();
    assertThat(fleet.stats().subscribeRefused.sum()).isEqualTo(1);
    assertThat(fleet.stats().connectFailures).containsKey("subscribe refused (result false)");
  }
}
