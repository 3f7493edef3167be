package dev.opal4j.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.protocol.CloseCodes;
import dev.opal4j.protocol.Ids;
import dev.opal4j.protocol.ProtocolException;
import dev.opal4j.protocol.RpcCodec;
import dev.opal4j.protocol.RpcMessage;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of fastapi_websocket_rpc, without I/O: turns the server's frames into listener
 * calls and responses, and our calls into request frames matched to their responses by
 * {@code call_id}. It reacts to bad input the way the Python client does (opal-protocol.md §1.3,
 * §1.5): unknown methods and unexpected {@code notify} arguments end the connection, unknown
 * {@code _}-methods are ignored without a response.
 */
final class RpcClientChannel {
  /** Where frames go. Implementations must tolerate calls from several threads. */
  interface Transport {
    void send(String frame);

    /** Ends the connection because the server broke the protocol. */
    void fail(int closeCode, String reason);
  }

  private static final Logger LOG = LoggerFactory.getLogger(RpcClientChannel.class);

  private final String channelId;
  private final NotificationListener listener;
  private final Transport transport;
  private final Map<String, CompletableFuture<RpcMessage.Response>> pending = new ConcurrentHashMap<>();
  private volatile Throwable closedBy;

  RpcClientChannel(String channelId, NotificationListener listener, Transport transport) {
    this.channelId = channelId;
    this.listener = listener;
    this.transport = transport;
  }

  String channelId() {
    return channelId;
  }

  /** Sends a request; the future completes with the matching response, or fails when the channel closes. */
  CompletableFuture<RpcMessage.Response> call(String method, ObjectNode arguments) {
    String callId = Ids.uuidHex();
    CompletableFuture<RpcMessage.Response> future = new CompletableFuture<>();
    pending.put(callId, future);
    // A call that loses the race with close() must not hang.
    Throwable closed = closedBy;
    if (closed != null) {
      pending.remove(callId);
      future.completeExceptionally(closed);
      return future;
    }
    future.whenComplete((r, e) -> pending.remove(callId));
    transport.send(RpcCodec.request(method, arguments, callId));
    return future;
  }

  /** Handles one complete text message from the server. */
  void onMessage(String text) {
    RpcMessage message;
    try {
      message = RpcCodec.decode(text);
    } catch (ProtocolException e) {
      transport.fail(e.closeCode().code(), e.getMessage());
      return;
    }
    switch (message) {
      case RpcMessage.Response response -> onResponse(response);
      case RpcMessage.Request request -> onRequest(request);
    }
  }

  /** Fails every outstanding call; later calls fail at once. */
  void close(Throwable cause) {
    closedBy = cause;
    for (Iterator<CompletableFuture<RpcMessage.Response>> it = pending.values().iterator(); it.hasNext(); ) {
      CompletableFuture<RpcMessage.Response> f = it.next();
      it.remove();
      f.completeExceptionally(cause);
    }
  }

  private void onResponse(RpcMessage.Response response) {
    CompletableFuture<RpcMessage.Response> future =
        response.callId() == null ? null : pending.remove(response.callId());
    if (future == null) {
      LOG.debug("ignoring a response to unknown call_id {}", response.callId());
      return;
    }
    future.complete(response);
  }

  private void onRequest(RpcMessage.Request request) {
    String callId = request.callId();
    switch (request.method()) {
      case "_ping_", "ping" -> transport.send(RpcCodec.strResponse(callId, "pong"));
      case "_get_channel_id_" -> transport.send(RpcCodec.strResponse(callId, channelId));
      case "notify" -> onNotify(request);
      default -> {
        if (request.method().startsWith("_")) {
          // fastapi_websocket_rpc ignores private methods without answering.
          LOG.debug("ignoring private RPC method {}", request.method());
        } else {
          transport.fail(CloseCodes.POLICY_VIOLATION.code(),
              "server called unknown RPC method '" + request.method() + "'");
        }
      }
    }
  }

  private void onNotify(RpcMessage.Request request) {
    ObjectNode args = request.arguments();
    for (Iterator<String> names = args.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!name.equals("subscription") && !name.equals("data")) {
        // Python: notify() got an unexpected keyword argument -> the client drops the connection.
        transport.fail(CloseCodes.POLICY_VIOLATION.code(), "notify got an unexpected argument '" + name + "'");
        return;
      }
    }
    JsonNode subscription = args.get("subscription");
    JsonNode topic = subscription == null ? null : subscription.get("topic");
    if (topic == null || !topic.isTextual()) {
      transport.fail(CloseCodes.POLICY_VIOLATION.code(), "notify without a subscription.topic string");
      return;
    }
    JsonNode data = args.get("data");
    try {
      listener.onNotification(topic.textValue(), data == null ? NullNode.instance : data);
    } catch (RuntimeException e) {
      LOG.warn("notification listener failed on topic {}", topic.textValue(), e);
    }
    // notify() has no return annotation, so fastapi_websocket_rpc stringifies None.
    transport.send(RpcCodec.strResponse(request.callId(), "None"));
  }
}
