package dev.opal4j.server.stats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opal4j.core.hub.HubObserver;
import dev.opal4j.core.hub.Subscriber;
import dev.opal4j.protocol.Json;
import dev.opal4j.server.publish.UpdatePublisher;
import dev.opal4j.server.config.ServerConfig;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's part in upstream's fleet statistics (opal-protocol.md §2, §5.6): it hears every
 * {@code __opal_stats_*} update (from its own clients' RPC {@code publish} and from the backbone),
 * keeps the fleet's client table and the set of live servers, and speaks upstream's messages:
 * {@code _wakeup} 2 s after start, {@code _state_sync} to answer a newcomer (after a random 0–5 s
 * delay, unless another server answered first), {@code _server_keepalive} every half keepalive
 * timeout, and {@code _rm} when one of its own connections that announced itself closes.
 *
 * <p>Beyond upstream: the client table is bounded ({@code OPAL_MAX_CHANNELS_PER_CLIENT} channels per
 * client, {@code OPAL_STATISTICS_MAX_BYTES} in all, {@link #MAX_SERVERS} servers), so a flood of
 * fake ids cannot grow it without limit; and each channel remembers the backbone peer it came from,
 * so that when an opal4j server stops sending keepalives its clients leave the table with it
 * (a Python server's worker id is not its notifier id, so its clients stay, as upstream); and a
 * server heard again after such a silence (a backbone outage) is sent this worker's own channels,
 * so that the tables heal without clients reconnecting.
 *
 * <p>Thread-safe: one lock; callers are event loops, the backbone reader and {@code scheduler}.
 * Never blocks and never throws to its callers; bad messages are logged (at most once per 10 s per
 * kind) and ignored.
 */
public final class FleetStatistics implements HubObserver {
  private static final Logger log = LoggerFactory.getLogger(FleetStatistics.class);
  /** Upstream waits this long before its wakeup so that its backbone reader runs. */
  static final long WAKEUP_DELAY_MILLIS = 2000;
  /** Upstream's random delay before answering a wakeup, so that one server answers, not all. */
  static final double MIN_SYNC_DELAY_SECONDS = 0.001;
  static final double MAX_SYNC_DELAY_SECONDS = 5;
  /** Most distinct servers tracked; keepalives from further ids are ignored until some expire. */
  public static final int MAX_SERVERS = 1024;
  /** Most sync requests remembered as answered. */
  static final int MAX_REMEMBERED_SYNC_REQUESTS = 1024;
  /** Bytes a channel costs beyond its JSON text (maps, records). */
  static final int CHANNEL_OVERHEAD_BYTES = 200;
  private static final long WARN_INTERVAL_NANOS = 10_000_000_000L;
  private static final DateTimeFormatter PYTHON_DATETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS");

  private final ServerConfig.Statistics settings;
  private final UpdatePublisher publisher;
  private final String workerId;
  private final String version;
  private final int workersPerNode;
  private final LongSupplier nanoTime;
  private final DoubleSupplier random;
  private final String uptime;

  /** One announced RPC channel; {@code server} is the worker it is connected to, when known. */
  private record Channel(String rpcId, String clientId, List<String> topics, String server, int bytes) {}

  private final Map<String, List<Channel>> clients = new LinkedHashMap<>();
  private final Map<String, Channel> byRpcId = new HashMap<>();
  private final Map<String, List<String>> rpcIdsOfSession = new HashMap<>();
  private final Map<String, Long> seenServers = new LinkedHashMap<>();
  private final LinkedHashSet<String> answeredSyncRequests = new LinkedHashSet<>();
  private final Map<String, Long> lastWarned = new HashMap<>();
  private long bytes;
  private final LinkedHashSet<String> expiredServers = new LinkedHashSet<>();
  private Long lastTableRequest;
  private volatile ScheduledExecutorService scheduler;

  /**
   * @param workerId this worker's id in {@code servers}: its backbone notifier id, so that peers
   *     can tell which clients are its
   * @param workersPerNode {@code UVICORN_NUM_WORKERS}, upstream's divisor for {@code server_count}
   */
  public FleetStatistics(ServerConfig.Statistics settings, UpdatePublisher publisher, String workerId, String version,
      int workersPerNode, Instant started, LongSupplier nanoTime, DoubleSupplier random) {
    this.settings = settings;
    this.publisher = publisher;
    this.workerId = workerId;
    this.version = version;
    this.workersPerNode = Math.max(1, workersPerNode);
    this.nanoTime = nanoTime;
    this.random = random;
    this.uptime = LocalDateTime.ofInstant(started, ZoneOffset.UTC).format(PYTHON_DATETIME);
  }

  /** Schedules the wakeup and the periodic keepalive (which also expires silent servers). */
  public void start(ScheduledExecutorService scheduler) {
    long every = Math.max(1, settings.serverKeepaliveTimeout().toMillis() / 2);
    scheduler.schedule(() -> guarded(this::wakeup), WAKEUP_DELAY_MILLIS, TimeUnit.MILLISECONDS);
    scheduler.scheduleAtFixedRate(() -> guarded(this::keepalive), WAKEUP_DELAY_MILLIS, every, TimeUnit.MILLISECONDS);
    this.scheduler = scheduler;
  }

  private static void guarded(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.warn("statistics: periodic task failed", e); // keep the schedule alive
    }
  }

  // ---- what the hub shows us -----------------------------------------------------------------

  @Override
  public void published(String topic, String dataJson, String originId) {
    if (workerId.equals(originId)) {
      return; // our own messages, as upstream's endpoint skips its own subscriptions
    }
    receive(topic, dataJson, workerId, originId);
  }

  @Override
  public void heard(String topic, String dataJson, String peerNotifierId) {
    receive(topic, dataJson, peerNotifierId, null);
  }

  @Override
  public void unregistered(Subscriber subscriber) {
    List<String> announced;
    synchronized (this) {
      announced = rpcIdsOfSession.remove(subscriber.id());
      if (announced != null) {
        announced.forEach(this::remove);
      }
    }
    if (announced != null) {
      for (String rpcId : announced) {
        publish(settings.removeClientChannel(), Json.quote(rpcId));
      }
    }
  }

  private void receive(String topic, String dataJson, String server, String localSession) {
    if (!topic.startsWith("__opal_stats") && !isStatsChannel(topic)) {
      return; // the common case, decided without parsing
    }
    JsonNode data;
    try {
      data = Json.parse(dataJson);
    } catch (Exception e) {
      warn(topic, "statistics: ignored a '{}' message that is not JSON", topic);
      return;
    }
    if (topic.equals(settings.addClientChannel())) {
      addClient(data, server, localSession);
    } else if (topic.equals(settings.removeClientChannel())) {
      if (data.isTextual()) {
        synchronized (this) {
          remove(data.textValue());
        }
      } else {
        warn(topic, "statistics: ignored a '{}' message whose data is not an rpc id string", topic);
      }
    } else if (topic.equals(settings.serverKeepaliveChannel())) {
      serverAlive(data);
    } else if (topic.equals(settings.wakeupChannel())) {
      wakeupHeard(data);
    } else if (topic.equals(settings.stateSyncChannel())) {
      stateSyncHeard(data);
    }
  }

  private boolean isStatsChannel(String topic) {
    return topic.equals(settings.addClientChannel()) || topic.equals(settings.removeClientChannel())
        || topic.equals(settings.serverKeepaliveChannel()) || topic.equals(settings.wakeupChannel())
        || topic.equals(settings.stateSyncChannel());
  }

  // ---- the client table ------------------------------------------------------------------------

  /** Upstream's {@code ChannelStats}: {@code rpc_id}, {@code client_id} strings and {@code topics} strings. */
  private static Channel parseChannel(JsonNode data, String server) {
    if (!data.isObject() || !data.path("rpc_id").isTextual() || !data.path("client_id").isTextual()
        || !data.path("topics").isArray()) {
      return null;
    }
    List<String> topics = new ArrayList<>(data.get("topics").size());
    for (JsonNode t : data.get("topics")) {
      if (!t.isTextual()) {
        return null;
      }
      topics.add(t.textValue());
    }
    String owner = data.path("opal4j_server").isTextual() ? data.get("opal4j_server").textValue() : server;
    String rpcId = data.get("rpc_id").textValue();
    String clientId = data.get("client_id").textValue();
    int size = CHANNEL_OVERHEAD_BYTES + 2 * (rpcId.length() + clientId.length() + topics.stream().mapToInt(String::length).sum());
    return new Channel(rpcId, clientId, List.copyOf(topics), owner, size);
  }

  private void addClient(JsonNode data, String server, String localSession) {
    Channel channel = parseChannel(data, server);
    if (channel == null) {
      warn("add", "statistics: ignored an invalid '{}' message (expected {{\"topics\": [str], \"client_id\": str,"
          + " \"rpc_id\": str}})", settings.addClientChannel());
      return;
    }
    synchronized (this) {
      if (add(channel) && localSession != null) {
        List<String> mine = rpcIdsOfSession.computeIfAbsent(localSession, k -> new ArrayList<>(1));
        mine.add(channel.rpcId());
      }
    }
  }

  /** Adds within the bounds; false when refused or already known. Holds the lock. */
  private boolean add(Channel channel) {
    if (byRpcId.containsKey(channel.rpcId())) {
      return false;
    }
    List<Channel> channels = clients.get(channel.clientId());
    if (channels != null && channels.size() >= settings.maxChannelsPerClient()) {
      warn("channels", "statistics: client '{}' reached the maximum number of open RPC channels"
          + " (OPAL_MAX_CHANNELS_PER_CLIENT={})", channel.clientId(), settings.maxChannelsPerClient());
      return false;
    }
    if (bytes + channel.bytes() > settings.maxBytes()) {
      warn("bytes", "statistics: client table full (OPAL_STATISTICS_MAX_BYTES={}); channel {} of client '{}' not"
          + " recorded", settings.maxBytes(), channel.rpcId(), channel.clientId());
      return false;
    }
    clients.computeIfAbsent(channel.clientId(), k -> new ArrayList<>(1)).add(channel);
    byRpcId.put(channel.rpcId(), channel);
    bytes += channel.bytes();
    return true;
  }

  /** Holds the lock. */
  private void remove(String rpcId) {
    Channel channel = byRpcId.remove(rpcId);
    if (channel == null) {
      return;
    }
    List<Channel> channels = clients.get(channel.clientId());
    channels.remove(channel);
    if (channels.isEmpty()) {
      clients.remove(channel.clientId());
    }
    bytes -= channel.bytes();
  }

  // ---- servers ----------------------------------------------------------------------------------

  private void serverAlive(JsonNode data) {
    if (!data.path("worker_id").isTextual()) {
      warn("keepalive", "statistics: ignored a '{}' message without a worker_id string",
          settings.serverKeepaliveChannel());
      return;
    }
    String id = data.get("worker_id").textValue();
    boolean newcomer;
    synchronized (this) {
      newcomer = !seenServers.containsKey(id);
      if (newcomer && seenServers.size() >= MAX_SERVERS) {
        warn("servers", "statistics: {} servers already tracked; keepalive of '{}' ignored until some expire",
            MAX_SERVERS, id);
        return;
      }
      seenServers.put(id, nanoTime.getAsLong());
    }
    if (newcomer && !id.equals(workerId)) {
      tellOurClientsTo(id);
      boolean back;
      synchronized (this) {
        back = expiredServers.remove(id);
      }
      if (back) {
        askForTheTable();
      }
    }
  }

  /**
   * A server we had expired is back: we dropped its clients, and it may not have dropped ours (so
   * it does not see us as new and will not send us its own). Ask the fleet for the table with our
   * own wakeup, as at start; at most once per keepalive timeout.
   */
  private void askForTheTable() {
    long now = nanoTime.getAsLong();
    synchronized (this) {
      if (lastTableRequest != null && now - lastTableRequest < settings.serverKeepaliveTimeout().toNanos()) {
        return;
      }
      lastTableRequest = now;
    }
    wakeup();
  }

  /**
   * Sends a server we had not heard (new, or back after a backbone outage longer than the keepalive
   * timeout, during which both sides dropped each other's clients) the channels of this worker's
   * own connections, as a state sync addressed to it. Upstream has no such repair: after an outage
   * its tables stay short until clients reconnect.
   */
  private void tellOurClientsTo(String server) {
    String message;
    synchronized (this) {
      if (rpcIdsOfSession.isEmpty()) {
        return;
      }
      List<Channel> ours = byRpcId.values().stream().filter(c -> workerId.equals(c.server())).toList();
      message = Json.write(syncMessage(server, ours));
    }
    publish(settings.stateSyncChannel(), message);
  }

  /** Upstream's {@code SyncResponse} for {@code channels}. Holds the lock. */
  private ObjectNode syncMessage(String requester, java.util.Collection<Channel> channels) {
    ObjectNode response = Json.object().put("requesting_worker_id", requester);
    Map<String, List<Channel>> byClient = new LinkedHashMap<>();
    channels.forEach(c -> byClient.computeIfAbsent(c.clientId(), k -> new ArrayList<>()).add(c));
    response.set("clients", clientsJson(byClient, true));
    ObjectNode rpcToClient = response.putObject("rpc_id_to_client_id");
    channels.forEach(c -> rpcToClient.put(c.rpcId(), c.clientId()));
    return response;
  }

  /** Forgets servers silent for the keepalive timeout, and the clients they held. */
  void expireServers() {
    long now = nanoTime.getAsLong();
    long timeout = settings.serverKeepaliveTimeout().toNanos();
    synchronized (this) {
      for (Iterator<Map.Entry<String, Long>> it = seenServers.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, Long> e = it.next();
        if (now - e.getValue() >= timeout) {
          it.remove();
          String gone = e.getKey();
          expiredServers.add(gone);
          if (expiredServers.size() > MAX_SERVERS) {
            Iterator<String> oldest = expiredServers.iterator();
            oldest.next();
            oldest.remove();
          }
          List<String> orphans = byRpcId.values().stream().filter(c -> gone.equals(c.server())).map(Channel::rpcId).toList();
          orphans.forEach(this::remove);
          log.info("statistics: server {} sent no keepalive for {} ms; dropped it and its {} channel(s)", gone,
              settings.serverKeepaliveTimeout().toMillis(), orphans.size());
        }
      }
    }
  }

  void keepalive() {
    expireServers();
    publish(settings.serverKeepaliveChannel(), Json.write(Json.object().put("worker_id", workerId)));
  }

  // ---- wakeup and state sync ---------------------------------------------------------------------

  void wakeup() {
    log.info("statistics: sending wakeup {}", workerId);
    publish(settings.wakeupChannel(), Json.write(Json.object().put("requesting_worker_id", workerId)));
  }

  private void wakeupHeard(JsonNode data) {
    if (!data.path("requesting_worker_id").isTextual()) {
      warn("wakeup", "statistics: ignored a '{}' message without a requesting_worker_id string",
          settings.wakeupChannel());
      return;
    }
    String requester = data.get("requesting_worker_id").textValue();
    synchronized (this) {
      if (requester.equals(workerId) || clients.isEmpty()) {
        return;
      }
    }
    double delay = MIN_SYNC_DELAY_SECONDS + random.getAsDouble() * (MAX_SYNC_DELAY_SECONDS - MIN_SYNC_DELAY_SECONDS);
    ScheduledExecutorService s = scheduler;
    if (s != null) {
      s.schedule(() -> guarded(() -> answerWakeup(requester)), (long) (delay * 1000), TimeUnit.MILLISECONDS);
    }
  }

  void answerWakeup(String requester) {
    String message;
    synchronized (this) {
      if (answeredSyncRequests.contains(requester)) {
        return; // another server answered first
      }
      message = Json.write(syncMessage(requester, byRpcId.values()));
    }
    log.info("statistics: answering the wakeup of {} with our client table", requester);
    publish(settings.stateSyncChannel(), message);
  }

  /**
   * A state sync. One addressed to this worker is merged in (channels already known are kept;
   * upstream applies an answer only while its table is empty). It never removes anything: a
   * snapshot may be older than an {@code _add} its sender published meanwhile, and removals travel
   * as {@code _rm} (a gap's 1012 resync closes, and so removes, every client of the worker).
   */
  private void stateSyncHeard(JsonNode data) {
    if (!data.path("requesting_worker_id").isTextual() || !data.path("clients").isObject()) {
      warn("sync", "statistics: ignored an invalid '{}' message", settings.stateSyncChannel());
      return;
    }
    String requester = data.get("requesting_worker_id").textValue();
    synchronized (this) {
      answeredSyncRequests.add(requester);
      if (answeredSyncRequests.size() > MAX_REMEMBERED_SYNC_REQUESTS) {
        Iterator<String> oldest = answeredSyncRequests.iterator();
        oldest.next();
        oldest.remove();
      }
      if (!requester.equals(workerId)) {
        return;
      }
      int applied = 0;
      for (JsonNode channels : data.get("clients")) {
        for (JsonNode c : channels) {
          Channel channel = parseChannel(c, null);
          if (channel != null && add(channel)) {
            applied++;
          }
        }
      }
      log.info("statistics: merged {} channel(s) from a peer's state sync", applied);
    }
  }

  // ---- reports ------------------------------------------------------------------------------------

  /** Holds the lock. {@code withServers}: opal4j's extra member for peers (Python ignores it). */
  private static ObjectNode clientsJson(Map<String, List<Channel>> table, boolean withServers) {
    ObjectNode all = Json.object();
    table.forEach((clientId, channels) -> {
      ArrayNode list = all.putArray(clientId);
      for (Channel c : channels) {
        ObjectNode o = list.addObject().put("rpc_id", c.rpcId()).put("client_id", c.clientId());
        c.topics().forEach(o.putArray("topics")::add);
        if (withServers && c.server() != null) {
          o.put("opal4j_server", c.server());
        }
      }
    });
    return all;
  }

  private synchronized List<String> servers() {
    List<String> servers = new ArrayList<>(seenServers.size() + 1);
    servers.add(workerId);
    seenServers.keySet().stream().filter(id -> !id.equals(workerId)).forEach(servers::add);
    return servers;
  }

  /** Upstream's {@code ServerStats} as JSON. */
  public synchronized String statistics() {
    ObjectNode stats = Json.object().put("uptime", uptime).put("version", version);
    stats.set("clients", clientsJson(clients, false));
    servers().forEach(stats.putArray("servers")::add);
    return Json.write(stats);
  }

  /**
   * Upstream's {@code ServerStatsBrief} as JSON; {@code server_count} is servers ÷ workers per node,
   * rounded up (upstream divides and fails on a fraction).
   */
  public synchronized String statisticsBrief() {
    int servers = servers().size();
    return Json.write(Json.object().put("uptime", uptime).put("version", version)
        .put("client_count", clients.size())
        .put("server_count", (servers + workersPerNode - 1) / workersPerNode));
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private void publish(String channel, String dataJson) {
    UpdatePublisher.Refusal refusal = publisher.check(List.of(channel), dataJson);
    if (refusal != null) {
      warn("publish", "statistics: cannot publish on '{}': {}", channel, refusal.message());
      return;
    }
    publisher.publish(List.of(channel), dataJson, workerId);
  }

  private void warn(String kind, String format, Object... args) {
    long now = nanoTime.getAsLong();
    synchronized (lastWarned) {
      Long last = lastWarned.get(kind);
      if (last != null && now - last < WARN_INTERVAL_NANOS) {
        return;
      }
      lastWarned.put(kind, now);
    }
    log.warn(format, args);
  }
}
