package dev.opal4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Ids;
import dev.opal4j.protocol.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A raw websocket peer that speaks OPAL's RPC frames exactly as the test writes them, so tests can
 * send anything (including what the Python client never would) and see every frame and the close.
 */
public final class RpcTestClient implements AutoCloseable {
  private static final Vertx VERTX = Vertx.vertx();

  public final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
  public volatile Integer closeCode;
  public volatile String closeReason;
  public volatile int pings;
  private final WebSocket ws;
  private final WebSocketClient client;

  private RpcTestClient(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(frames::add);
    ws.closeHandler(v -> {
      closeCode = (int) ws.closeStatusCode();
      closeReason = ws.closeReason();
    });
    ws.frameHandler(f -> {
      if (f.isPing()) {
        pings++;
      }
    });
  }

  public static RpcTestClient connect(String url, String authorization) throws Exception {
    return connect(url, authorization, false);
  }

  public static RpcTestClient connect(String url, String authorization, boolean deflate) throws Exception {
    WebSocketClient client = VERTX.createWebSocketClient(new WebSocketClientOptions()
        .setTryUsePerMessageCompression(deflate).setCompressionAllowClientNoContext(deflate).setMaxFrameSize(16 << 20).setMaxMessageSize(16 << 20));
    WebSocketConnectOptions options = new WebSocketConnectOptions().setAbsoluteURI(url);
    if (authorization != null) {
      options.addHeader("Authorization", authorization);
    }
    WebSocket ws = client.connect(options).await(10, TimeUnit.SECONDS);
    return new RpcTestClient(client, ws);
  }

  /** Sends a request and returns its call id. */
  public String call(String method, String argumentsJson) {
    String id = Ids.uuidHex();
    send("{\"request\": {\"method\": \"" + method + "\", \"arguments\": " + argumentsJson + ", \"call_id\": \"" + id
        + "\"}, \"response\": null}");
    return id;
  }

  public void send(String text) {
    ws.writeTextMessage(text);
  }

  public void sendBinary(byte[] bytes) {
    ws.writeBinaryMessage(Buffer.buffer(bytes));
  }

  /** The next frame as JSON, failing after 5 s. */
  public JsonNode next() throws Exception {
    String f = frames.poll(5, TimeUnit.SECONDS);
    if (f == null) {
      throw new AssertionError("no frame within 5 s (close code " + closeCode + ")");
    }
    return Json.parse(f);
  }

  public String nextRaw() throws Exception {
    String f = frames.poll(5, TimeUnit.SECONDS);
    if (f == null) {
      throw new AssertionError("no frame within 5 s (close code " + closeCode + ")");
    }
    return f;
  }

  /** Calls and returns the response frame for that call. */
  public JsonNode request(String method, String argumentsJson) throws Exception {
    String id = call(method, argumentsJson);
    JsonNode f = next();
    if (!id.equals(f.at("/response/call_id").asText())) {
      throw new AssertionError("expected the response to " + id + ", got " + f);
    }
    return f;
  }

  /** Answers a notify the way the Python client does. */
  public void answer(JsonNode notify) {
    send("{\"request\": null, \"response\": {\"result\": \"None\", \"result_type\": \"str\", \"call_id\": \""
        + notify.at("/request/call_id").asText() + "\"}}");
  }

  /** Stops reading from the socket, like a client that hangs; the server's writes back up. */
  public void pauseReading() {
    ws.pause();
  }

  public void resumeReading() {
    ws.resume();
  }

  public boolean isClosed() {
    return ws.isClosed();
  }

  @Override
  public void close() {
    if (!ws.isClosed()) {
      ws.close();
    }
    client.close();
  }
}
