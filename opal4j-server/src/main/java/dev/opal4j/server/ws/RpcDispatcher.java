package dev.opal4j.server.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.core.hub.TopicRegistry;
import dev.opal4j.protocol.CloseCodes;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.ProtocolException;
import dev.opal4j.protocol.RpcCodec;
import dev.opal4j.protocol.RpcMessage;
import dev.opal4j.server.publish.UpdatePublisher;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the RPC methods an OPAL server exposes (opal-protocol.md §1.4): {@code _ping_}, {@code
 * _get_channel_id_}, {@code subscribe}, {@code unsubscribe}, {@code publish}, {@code ping}. Every
 * request is answered; anything that breaks the contract closes only the offending connection with
 * a precise reason (upstream drops the connection too, or leaves the caller waiting forever).
 *
 * <p>Stateless and thread-safe; called on the session's event loop.
 */
public final class RpcDispatcher {
  private static final Logger log = LoggerFactory.getLogger(RpcDispatcher.class);

  private final TopicRegistry registry;
  private final UpdatePublisher publisher;
  private final int maxTopicsPerSubscribe;
  private final int maxSubscriptionsPerConnection;
  private final SessionMetrics metrics;

  public RpcDispatcher(TopicRegistry registry, UpdatePublisher publisher, int maxTopicsPerSubscribe,
      int maxSubscriptionsPerConnection, SessionMetrics metrics) {
    this.registry = registry;
    this.publisher = publisher;
    this.maxTopicsPerSubscribe = maxTopicsPerSubscribe;
    this.maxSubscriptionsPerConnection = maxSubscriptionsPerConnection;
    this.metrics = metrics;
  }

  public void onText(WebSocketSession session, String text) {
    try {
      RpcMessage message = RpcCodec.decode(text);
      if (message instanceof RpcMessage.Request request) {
        handle(session, request);
      }
      // Responses are the client's answers to our notify calls: nothing waits on them.
    } catch (ProtocolException e) {
      reject(session, e.closeCode(), e.getMessage());
    }
  }

  public void reject(WebSocketSession session, CloseCodes code, String reason) {
    metrics.protocolError();
    log.warn("session {} ({}): closing with {}: {}", session.id(), session.peer(), code.code(), reason);
    session.close(code, reason);
  }

  private void handle(WebSocketSession session, RpcMessage.Request request) throws ProtocolException {
    String callId = request.callId();
    ObjectNode args = request.arguments();
    switch (request.method()) {
      case "_ping_", "ping" -> {
        expectArguments(request, Set.of());
        session.sendText(RpcCodec.strResponse(callId, "pong"));
      }
      case "_get_channel_id_" -> {
        expectArguments(request, Set.of());
        session.sendText(RpcCodec.strResponse(callId, session.id()));
      }
      case "subscribe" -> {
        expectArguments(request, Set.of("topics"));
        List<String> topics = topics(request, args);
        session.sendText(RpcCodec.boolResponse(callId, subscribe(session, topics)));
      }
      case "unsubscribe" -> {
        expectArguments(request, Set.of("topics"));
        registry.unsubscribe(session, topics(request, args));
        session.sendText(RpcCodec.boolResponse(callId, true));
      }
      case "publish" -> {
        expectArguments(request, Set.of("topics", "data", "sync", "notifier_id"));
        session.sendText(RpcCodec.boolResponse(callId, publish(session, request, args)));
      }
      default -> throw new ProtocolException(CloseCodes.POLICY_VIOLATION,
          request.method().startsWith("_")
              ? "method '" + request.method() + "' is private; callable: _ping_, _get_channel_id_, subscribe, unsubscribe, publish, ping"
              : "unknown method '" + request.method() + "'; callable: _ping_, _get_channel_id_, subscribe, unsubscribe, publish, ping");
    }
  }

  private boolean subscribe(WebSocketSession session, List<String> topics) {
    if (topics.size() > maxTopicsPerSubscribe) {
      log.warn("session {} ({}): subscribe refused: {} topics, over OPAL_WS_MAX_TOPICS_PER_SUBSCRIBE={}",
          session.id(), session.peer(), topics.size(), maxTopicsPerSubscribe);
      return false;
    }
    for (String topic : topics) {
      if (!session.claims().permitsTopic(topic)) {
        log.warn("session {} ({}): subscribe refused: topic '{}' is not in the token's permitted_topics",
            session.id(), session.peer(), topic);
        return false;
      }
    }
    if (registry.topicsOf(session).size() + topics.size() > maxSubscriptionsPerConnection) {
      log.warn("session {} ({}): subscribe refused: over OPAL_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION={}",
          session.id(), session.peer(), maxSubscriptionsPerConnection);
      return false;
    }
    if (session.isClosing()) {
      return false;
    }
    registry.subscribe(session, topics);
    return true;
  }

  private boolean publish(WebSocketSession session, RpcMessage.Request request, ObjectNode args)
      throws ProtocolException {
    List<String> topics = topics(request, args);
    JsonNode sync = args.get("sync");
    if (sync != null && !sync.isBoolean() && !sync.isNull()) {
      throw new ProtocolException(CloseCodes.POLICY_VIOLATION, "publish: 'sync' must be a boolean");
    }
    JsonNode notifier = args.get("notifier_id");
    if (notifier != null && !notifier.isNull() && !notifier.isTextual()) {
      throw new ProtocolException(CloseCodes.POLICY_VIOLATION, "publish: 'notifier_id' must be a string or null");
    }
    for (String topic : topics) {
      if (!session.claims().permitsTopic(topic)) {
        log.warn("session {} ({}): publish refused: topic '{}' is not in the token's permitted_topics",
            session.id(), session.peer(), topic);
        return false;
      }
    }
    JsonNode data = args.get("data");
    String dataJson = data == null ? "null" : Json.write(data);
    UpdatePublisher.Refusal refusal = publisher.check(topics, dataJson);
    if (refusal != null) {
      log.warn("session {} ({}): publish refused: {}", session.id(), session.peer(), refusal.message());
      return false;
    }
    String origin = notifier == null || notifier.isNull() ? session.id() : notifier.textValue();
    publisher.publish(topics, dataJson, origin);
    return true;
  }

  private static List<String> topics(RpcMessage.Request request, ObjectNode args) throws ProtocolException {
    JsonNode node = args.get("topics");
    if (node == null) {
      throw new ProtocolException(CloseCodes.POLICY_VIOLATION,
          request.method() + ": missing required argument 'topics'");
    }
    if (node.isTextual()) {
      return List.of(node.textValue()); // pubsub accepts a single topic as well as a list
    }
    if (!node.isArray()) {
      throw new ProtocolException(CloseCodes.POLICY_VIOLATION,
          request.method() + ": 'topics' must be a list of strings, got " + node.getNodeType().name().toLowerCase());
    }
    List<String> topics = new ArrayList<>(node.size());
    for (JsonNode t : node) {
      if (!t.isTextual()) {
        throw new ProtocolException(CloseCodes.POLICY_VIOLATION, request.method() + ": every topic must be a string");
      }
      topics.add(t.textValue());
    }
    return topics;
  }

  private static void expectArguments(RpcMessage.Request request, Set<String> allowed) throws ProtocolException {
    for (Iterator<String> it = request.arguments().fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!allowed.contains(name)) {
        throw new ProtocolException(CloseCodes.POLICY_VIOLATION,
            request.method() + ": unexpected argument '" + name + "'" + (allowed.isEmpty() ? " (takes none)"
                : "; accepted: " + String.join(", ", allowed)));
      }
    }
  }
}
