package dev.opal4j.server;

import dev.opal4j.protocol.Opal4jVersion;
import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.BroadcasterFactory;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.core.backbone.Backoff;
import dev.opal4j.core.backbone.BackboneSupervisor;
import dev.opal4j.core.backbone.ResyncCoordinator;
import dev.opal4j.core.hub.Hub;
import dev.opal4j.core.hub.TopicRegistry;
import dev.opal4j.protocol.CloseCodes;
import dev.opal4j.protocol.Ids;
import dev.opal4j.server.publish.UpdatePublisher;
import dev.opal4j.server.auth.AuthConfigurationException;
import dev.opal4j.server.auth.JwtAuthority;
import dev.opal4j.server.config.ServerConfig;
import dev.opal4j.server.node.NodeReport;
import dev.opal4j.server.node.NodeWideReport;
import dev.opal4j.server.node.SingleWorkerReport;
import dev.opal4j.server.node.WorkerDirectory;
import dev.opal4j.server.node.WorkerHealth;
import dev.opal4j.server.rest.RestRoutes;
import dev.opal4j.server.ws.HandshakeGuard;
import dev.opal4j.server.ws.RpcDispatcher;
import dev.opal4j.server.ws.SessionMetrics;
import dev.opal4j.server.ws.WebSocketEndpoint;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One opal4j worker: HTTP + websocket server on Vert.x event loops, the hub, the backbone
 * supervisor (when {@code OPAL_BROADCAST_URI} is set), auth and metrics. {@link #start} blocks until
 * the port is bound; {@link #close} stops everything.
 */
public final class OpalServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OpalServer.class);

  private final Vertx vertx;
  private final ScheduledExecutorService backboneLoop;
  private final BackboneSupervisor backbone;
  private final WebSocketEndpoint endpoint;
  private final Hub hub;
  private final ServerMetrics metrics;
  private final int port;
  private final Readiness readiness;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  private dev.opal4j.server.policy.PolicyService policy;

  private OpalServer(Vertx vertx, ScheduledExecutorService backboneLoop, BackboneSupervisor backbone,
      WebSocketEndpoint endpoint, Hub hub, ServerMetrics metrics, int port, Readiness readiness) {
    this.readiness = readiness;
    this.vertx = vertx;
    this.backboneLoop = backboneLoop;
    this.backbone = backbone;
    this.endpoint = endpoint;
    this.hub = hub;
    this.metrics = metrics;
    this.port = port;
  }

  /**
   * Starts a worker and waits until it listens.
   *
   * @param onFatal called (once, from a background thread) when the worker cannot go on, e.g. the
   *     backbone stayed unreachable past OPAL_BROADCAST_RECONNECT_MAX_RETRIES; {@link Main} exits
   *     so that the supervisor restarts the worker
   * @throws StartupException for a configuration the worker cannot run with (message says why)
   */
  public static OpalServer start(ServerConfig config, Map<String, String> env, boolean reusePort,
      Consumer<String> onFatal) throws StartupException {
    return start(config, env, reusePort, onFatal, Ids.secureUuidHex());
  }

  /**
   * As {@link #start(ServerConfig, Map, boolean, Consumer)}, with the worker's backbone notifier id
   * chosen by the caller (so that its log lines can carry it from the start).
   */
  public static OpalServer start(ServerConfig config, Map<String, String> env, boolean reusePort,
      Consumer<String> onFatal, String notifierId) throws StartupException {
    JwtAuthority auth;
    try {
      auth = JwtAuthority.create(config.auth());
    } catch (AuthConfigurationException e) {
      throw new StartupException(e.getMessage());
    }
    if (!auth.secured()) {
      log.warn("no OPAL_AUTH_PUBLIC_KEY/OPAL_AUTH_PRIVATE_KEY: running in insecure mode, every request is accepted");
    }
    Hub hub = new Hub(new TopicRegistry());
    ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "opal4j-backbone");
      t.setDaemon(true);
      return t;
    });
    ResyncCoordinator resync = new ResyncCoordinator(hub::sessions, loop, config.resilience().resyncSpread(),
        config.limits().maxHandshakesPerSecond(), () -> ThreadLocalRandom.current().nextDouble());
    BackboneSupervisor backbone = null;
    dev.opal4j.server.policy.FleetLeadership fleet = dev.opal4j.server.policy.FleetLeadership.nodeOnly();
    if (config.broadcastUri() != null) {
      BroadcastSettings settings = new BroadcastSettings(config.broadcastUri(), config.broadcastChannel(),
          notifierId, env);
      BroadcasterFactory factory;
      try {
        factory = Broadcasters.discover().factoryFor(settings);
      } catch (BroadcastConfigurationException e) {
        loop.shutdownNow();
        throw new StartupException(e.getMessage());
      }
      fleet = dev.opal4j.server.policy.FleetLeadership.withLeases(
          () -> dev.opal4j.server.policy.BackboneLease.start(factory, settings, "policy-watcher"));
      backbone = new BackboneSupervisor(factory, settings, config.resilience(), hub, resync, onFatal, loop,
          new Backoff(config.resilience().backoffMin(), config.resilience().backoffMax(),
              () -> ThreadLocalRandom.current().nextDouble()), Clock.systemUTC());
      hub.attachBackbone(backbone);
    }
    SessionMetrics sessionMetrics = new SessionMetrics();
    UpdatePublisher publisher = new UpdatePublisher(hub, backbone, config.limits().maxNotifyBytes());
    RpcDispatcher dispatcher = new RpcDispatcher(hub.registry(), publisher, config.limits().maxTopicsPerSubscribe(),
        config.limits().maxSubscriptionsPerConnection(), sessionMetrics);
    WebSocketEndpoint endpoint = new WebSocketEndpoint(auth, hub, dispatcher, config.limits(), sessionMetrics,
        new HandshakeGuard(config.allowedOrigins(),
            config.limits().authFailuresPerAddress(), config.limits().authFailureWindow().toNanos(),
            config.limits().maxHandshakesPerSecond(), config.trustedProxies()));
    WorkerDirectory workerDirectory = workerDirectory(config, env, reusePort);
    Integer workerIndex = workerDirectory == null ? null : Integer.valueOf(env.get(Main.WORKER_INDEX_ENV));
    ServerMetrics metrics = new ServerMetrics(hub, backbone, resync, sessionMetrics, endpoint, workerIndex);
    BackboneSupervisor backboneRef = backbone;
    dev.opal4j.server.policy.PolicyService policy = null;
    if (config.policy().enabled()) {
      try {
        policy = dev.opal4j.server.policy.PolicyService.start(config.policy(), publisher, hub, fleet);
      } catch (java.io.IOException e) {
        loop.shutdownNow();
        metrics.close();
        throw new StartupException("cannot start the policy source: " + e.getMessage());
      }
    }
    int instances = config.limits().eventLoops();
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(instances));
    WorkerHealth health = new WorkerHealth(backbone == null ? null : backbone::status);
    Readiness readiness = readiness(policy, backbone);
    NodeReport report;
    try {
      report = workerDirectory == null ? new SingleWorkerReport(metrics::scrape, health, readiness::body)
          : NodeWideReport.start(vertx, workerDirectory, workerIndex, metrics::scrape, health, readiness::body);
    } catch (Exception e) {
      releaseAfterFailedStart(policy, vertx, loop, metrics);
      throw new StartupException("cannot open this worker's private report port on 127.0.0.1: " + e.getMessage());
    }
    if (policy != null) {
      metrics.bindPolicy(policy);
    }
    dev.opal4j.server.stats.FleetStatistics stats = null;
    if (config.statistics().enabled()) {
      // the backbone notifier id doubles as the stats worker id, so peers can tell whose clients are whose
      stats = new dev.opal4j.server.stats.FleetStatistics(config.statistics(), publisher,
          backbone == null ? Ids.uuidHex() : backbone.notifierId(), Opal4jVersion.current(), config.workers(),
          java.time.Instant.now(), System::nanoTime, () -> ThreadLocalRandom.current().nextDouble());
      hub.observe(stats);
    }
    dev.opal4j.server.stats.FleetStatistics statsRef = stats;
    RestRoutes routes = new RestRoutes(config, auth, publisher, report, policy, metrics.requests(),
        new dev.opal4j.server.rest.ClientReports() {
      @Override
      public String pubsubClientInfo() {
        return endpoint.clientInfoJson();
      }

      @Override
      public String statistics() {
        return statsRef == null ? null : statsRef.statistics();
      }

      @Override
      public String statisticsBrief() {
        return statsRef == null ? null : statsRef.statisticsBrief();
      }
    });
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.host())
        .setPort(config.port())
        .setReusePort(reusePort)
        // Websockets do not run on Vert.x here (WebSocketUpgrade negotiates permessage-deflate itself).
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        .setTcpNoDelay(true)
        .setIdleTimeout(0);
    if (config.tls().enabled()) {
      options.setSsl(true).setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions()
          .setCertPath(config.tls().certFile()).setKeyPath(config.tls().keyFile()));
    }
    int[] boundPort = {config.port()};
    try {
      vertx.deployVerticle(() -> new VerticleBase() {
        @Override
        public Future<?> start() {
          io.vertx.ext.web.Router router = routes.router(vertx);
          // Websocket upgrades leave Vert.x for a plain Netty pipeline (WebSocketUpgrade); the rest is REST.
          HttpServer server = vertx.createHttpServer(options)
              .requestHandler(req -> {
                if (endpoint.handles(req)) {
                  endpoint.onUpgrade(req);
                } else {
                  router.handle(req);
                }
              });
          return server.listen().onSuccess(s -> boundPort[0] = s.actualPort());
        }
      }, new DeploymentOptions().setInstances(instances)).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      releaseAfterFailedStart(policy, vertx, loop, metrics);
      throw new StartupException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage());
    }
    endpoint.startPinger(vertx);
    startKeepalive(vertx, config, publisher, backbone, policy);
    if (backboneRef != null) {
      backboneRef.start();
    }
    if (statsRef != null) {
      statsRef.start(loop);
    }
    log.info("opal4j {} listening on {}:{} ({} event loops, {} worker(s), backbone: {}, auth: {})",
        Opal4jVersion.current(), config.host(), boundPort[0], instances, config.workers(),
        config.broadcastUri() == null ? "none (single worker)"
            : dev.opal4j.broadcast.spi.internal.UriRedaction.redact(config.broadcastUri().toString()),
        auth.secured() ? "JWT " + config.auth().algorithm() : "insecure");
    OpalServer server = new OpalServer(vertx, loop, backbone, endpoint, hub, metrics, boundPort[0], readiness);
    server.policy = policy;
    return server;
  }

  public int port() {
    return port;
  }

  public Hub hub() {
    return hub;
  }

  public BackboneSupervisor backbone() {
    return backbone;
  }

  public ServerMetrics metrics() {
    return metrics;
  }

  /** What a start that failed after Vert.x was created leaves behind; the policy source may not exist yet. */
  private static void releaseAfterFailedStart(dev.opal4j.server.policy.PolicyService policy, Vertx vertx,
      ScheduledExecutorService loop, ServerMetrics metrics) {
    if (policy != null) {
      policy.close();
    }
    vertx.close();
    loop.shutdownNow();
    metrics.close();
  }

  /** What {@code GET /ready} reports for this worker; a graceful shutdown flips it first. */
  public Readiness readiness() {
    return readiness;
  }

  /**
   * Graceful shutdown, the first half: marks the worker not ready, answers new websocket handshakes
   * with 503, and closes the open clients with 1001 spread evenly over {@code window}, so they
   * reconnect elsewhere at a steady rate. Blocks for about the window; {@link #close} does the rest.
   */
  public void drain(Duration window) throws InterruptedException {
    if (!readiness.startDraining()) {
      return;
    }
    endpoint.stopAccepting();
    int clients = endpoint.sessionCount();
    log.info("opal4j shutting down: not accepting websockets; closing {} client(s) with 1001 over {} ms",
        clients, window.toMillis());
    endpoint.closeSpread(CloseCodes.GOING_AWAY, "server shutting down", window);
    // the last clients get a moment to answer the close handshake before the sockets go
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (endpoint.sessionCount() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  /** Stops everything at once (clients still open are closed with 1001); idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    readiness.markDraining();
    endpoint.stopAccepting();
    endpoint.closeAll(CloseCodes.GOING_AWAY, "server shutting down");
    if (policy != null) {
      policy.close();
    }
    if (backbone != null) {
      backbone.close();
    }
    backboneLoop.shutdownNow();
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("vert.x did not stop cleanly: {}", e.getMessage());
    }
    metrics.close();
    log.info("opal4j stopped");
  }

  /**
   * OPAL's broadcast keepalive ({@code OPAL_BROADCAST_KEEPALIVE_INTERVAL}, default 1 h): sent by
   * the policy leader (the fleet lease holder, else the node lock holder), or by every worker when
   * there is no policy source (OPAL's leader exists only with one). Python peers on the backbone
   * expect it; opal4j's own wedge probes travel on the same topic far more often.
   */
  private static void startKeepalive(Vertx vertx, ServerConfig config, UpdatePublisher publisher,
      BackboneSupervisor backbone, dev.opal4j.server.policy.PolicyService policy) {
    long every = config.keepalive().interval().toMillis();
    if (backbone == null || every <= 0) {
      return;
    }
    vertx.setPeriodic(every, id -> {
      if (policy == null || policy.isFleetLeader()) {
        publisher.publish(List.of(config.keepalive().topic()), "null", null);
      }
    });
  }

  /**
   * What this worker waits for before it is ready: the node's policy clone (else {@code GET /policy}
   * answers 503) and a first backbone join (else it would miss its peers' updates).
   */
  private static Readiness readiness(dev.opal4j.server.policy.PolicyService policy, BackboneSupervisor backbone) {
    List<Readiness.Condition> conditions = new java.util.ArrayList<>();
    if (policy != null) {
      conditions.add(new Readiness.Condition("policy repo clone", () -> policy.headCommit().isPresent()));
    }
    if (backbone != null) {
      conditions.add(new Readiness.Condition("backbone join", backbone::hasJoined));
    }
    return new Readiness(conditions);
  }

  /**
   * The supervisor's worker directory when this process is one of several workers it runs, else null
   * (a single worker, or a worker started by hand, answers for itself).
   */
  private static WorkerDirectory workerDirectory(ServerConfig config, Map<String, String> env, boolean severalWorkers) {
    String dir = env.get(WorkerDirectory.ENV);
    if (!severalWorkers || dir == null || !env.containsKey(Main.WORKER_INDEX_ENV)) {
      return null;
    }
    return new WorkerDirectory(java.nio.file.Path.of(dir), config.workers());
  }

  /** A reason the worker cannot start; the message is meant for the operator. */
  public static final class StartupException extends Exception {
    private static final long serialVersionUID = 1L;
    public StartupException(String message) {
      super(message);
    }
  }

}
