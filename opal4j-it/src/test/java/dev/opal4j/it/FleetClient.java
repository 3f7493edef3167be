package dev.opal4j.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Ids;
import dev.opal4j.protocol.Json;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A subscriber that behaves like the Python OPAL client's data updater: {@code _ping_}, one {@code
 * subscribe}, then every {@code notify} answered. Records what it received and how it was closed.
 */
final class FleetClient implements AutoCloseable {
  private static final Vertx VERTX = Vertx.vertx();
  final List<JsonNode> notifications = new CopyOnWriteArrayList<>();
  volatile Integer closeCode;
  volatile java.util.function.Consumer<JsonNode> onNotify = n -> { };
  volatile java.util.function.IntConsumer onClose = code -> { };
  private final WebSocketClient client;
  private final WebSocket ws;
  private final java.util.concurrent.CompletableFuture<Boolean> subscribed = new java.util.concurrent.CompletableFuture<>();
  private volatile String subscribeCallId;

  private FleetClient(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(this::onText);
    ws.closeHandler(v -> {
      closeCode = ws.closeStatusCode() == null ? 1006 : (int) ws.closeStatusCode();
      onClose.accept(closeCode);
    });
  }

  static FleetClient subscribe(String wsUrl, List<String> topics) throws Exception {
    WebSocketClient client = VERTX.createWebSocketClient(new WebSocketClientOptions().setMaxMessageSize(16 << 20)
        .setMaxFrameSize(16 << 20));
    WebSocket ws = client.connect(new WebSocketConnectOptions().setAbsoluteURI(wsUrl)
        .addHeader("Authorization", "Bearer THIS_IS_A_DEV_SECRET")).await(10, TimeUnit.SECONDS);
    FleetClient c = new FleetClient(client, ws);
    c.subscribeCallId = Ids.uuidHex();
    ws.writeTextMessage("{\"request\": {\"method\": \"subscribe\", \"arguments\": {\"topics\": "
        + Json.MAPPER.writeValueAsString(topics) + "}, \"call_id\": \"" + c.subscribeCallId + "\"}, \"response\": null}");
    if (!c.subscribed.get(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("subscribe answered false");
    }
    return c;
  }

  /** The client's own port, to find which worker process holds the other end. */
  int localPort() {
    return ws.localAddress().port();
  }

  private void onText(String text) {
    JsonNode frame;
    try {
      frame = Json.parse(text);
    } catch (Exception e) {
      throw new IllegalStateException("server sent a frame that is not JSON: " + text, e);
    }
    JsonNode request = frame.get("request");
    if (request != null && !request.isNull()) {
      String method = request.path("method").asText();
      if (method.equals("notify")) {
        notifications.add(request.get("arguments"));
        onNotify.accept(request.get("arguments"));
      }
      ws.writeTextMessage("{\"request\": null, \"response\": {\"result\": \"None\", \"result_type\": \"str\", \"call_id\": \""
          + request.path("call_id").asText() + "\"}}");
      return;
    }
    JsonNode response = frame.get("response");
    if (response != null && response.path("call_id").asText().equals(subscribeCallId)) {
      subscribed.complete(response.path("result").asBoolean());
    }
  }

  /** How many notifications carried this {@code data.entries[0].id}-style marker. */
  long countWithMarker(String marker) {
    return notifications.stream().filter(n -> n.toString().contains(marker)).count();
  }

  @Override
  public void close() {
    if (!ws.isClosed()) {
      ws.close();
    }
    client.close();
  }
}
