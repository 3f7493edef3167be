package dev.opal4j.server.ws;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.core.hub.TopicRegistry;
import dev.opal4j.protocol.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * This worker's connected clients as upstream's {@code GET /pubsub_client_info} lists them: keyed by
 * the {@code __opal_client_id} query parameter of the handshake, else {@code host:<ip>:<port>} of
 * the socket; connections that share an id share one entry, counted by {@code refcount}.
 * Subscribed topics are read from the registry when asked, so they are never stale.
 *
 * <p>Thread-safe (one lock; connects, closes and reads are rare next to notifications).
 */
public final class ClientTracker {
  /** Upstream's query parameter that names a client ({@code OPAL_CLIENT_INFO_CLIENT_ID}). */
  public static final String CLIENT_ID_PARAM = "__opal_client_id";

  private final Map<String, Entry> byClientId = new LinkedHashMap<>();
  private final Map<WebSocketSession, String> clientIdOf = new HashMap<>();

  private static final class Entry {
    final String clientId;
    final String host;
    final Integer port;
    final double connectTime;
    final Map<String, String> queryParams;
    final List<WebSocketSession> sessions = new ArrayList<>(1);

    Entry(String clientId, String host, Integer port, double connectTime, Map<String, String> queryParams) {
      this.clientId = clientId;
      this.host = host;
      this.port = port;
      this.connectTime = connectTime;
      this.queryParams = queryParams;
    }
  }

  /** The id a connection is listed under, by upstream's rule. */
  public static String clientId(Map<String, String> queryParams, String host, Integer port) {
    String named = queryParams.get(CLIENT_ID_PARAM);
    if (named != null) {
      return named;
    }
    return host != null && port != null ? "host:" + host + ":" + port : "opal:" + dev.opal4j.protocol.Ids.uuidHex();
  }

  /** Records an accepted connection; the first one of an id fixes its source and connect time. */
  public synchronized void connected(WebSocketSession session, String host, Integer port, Map<String, String> queryParams) {
    String id = clientId(queryParams, host, port);
    Entry entry = byClientId.computeIfAbsent(id, k -> new Entry(k, host, port,
        System.currentTimeMillis() / 1000.0, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(queryParams))));
    entry.sessions.add(session);
    clientIdOf.put(session, id);
  }

  /** Forgets a closed connection; the entry goes with its last connection. Idempotent. */
  public synchronized void closed(WebSocketSession session) {
    String id = clientIdOf.remove(session);
    if (id == null) {
      return;
    }
    Entry entry = byClientId.get(id);
    entry.sessions.remove(session);
    if (entry.sessions.isEmpty()) {
      byClientId.remove(id);
    }
  }

  /** Upstream's {@code Dict[str, ClientInfo]} as JSON. */
  public synchronized String json(TopicRegistry registry) {
    ObjectNode all = Json.object();
    for (Entry e : byClientId.values()) {
      ObjectNode info = all.putObject(e.clientId);
      info.put("client_id", e.clientId);
      if (e.host == null) {
        info.putNull("source_host");
      } else {
        info.put("source_host", e.host);
      }
      if (e.port == null) {
        info.putNull("source_port");
      } else {
        info.put("source_port", e.port);
      }
      info.put("connect_time", e.connectTime);
      TreeSet<String> topics = new TreeSet<>();
      for (WebSocketSession s : e.sessions) {
        topics.addAll(registry.topicsOf(s));
      }
      topics.forEach(info.putArray("subscribed_topics")::add);
      info.put("refcount", e.sessions.size());
      ObjectNode query = info.putObject("query_params");
      e.queryParams.forEach(query::put);
    }
    return Json.write(all);
  }
}
