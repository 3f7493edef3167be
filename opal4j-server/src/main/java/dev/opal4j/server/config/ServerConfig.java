package dev.opal4j.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.broadcast.spi.internal.UriRedaction;
import dev.opal4j.core.backbone.ResilienceSettings;
import dev.opal4j.protocol.Json;
import dev.opal4j.protocol.config.EnvBinder;
import dev.opal4j.server.auth.AuthSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything the server reads from its environment, validated at once. Names and defaults are
 * OPAL's (see opal-protocol.md §5); opal4j's own additions are marked in README's configuration
 * reference. Immutable.
 */
public record ServerConfig(
    String host,
    int port,
    int workers,
    URI broadcastUri,
    String broadcastChannel,
    ResilienceSettings resilience,
    AuthSettings auth,
    String jwksRoute,
    JsonNode dataConfigSources,
    String allDataTopic,
    String allDataRoute,
    String dataConfigRoute,
    String dataCallbackRoute,
    List<String> allowedOrigins,
    boolean publisherEnabled,
    Limits limits,
    Statistics statistics,
    Tls tls,
    dev.opal4j.policy.PolicyRepoSettings policy,
    Keepalive keepalive,
    String logLevel,
    TrustedProxies trustedProxies,
    Operations operations,
    RateLimitNotation loadLimit) {

  /**
   * How the process logs and stops: upstream's {@code OPAL_LOG_SERIALIZE} (one JSON object per
   * line) and {@code OPAL_LOG_FORMAT_INCLUDE_PID}, and opal4j's {@code OPAL_SHUTDOWN_DRAIN_SECONDS}
   * (the window SIGTERM spreads the clients' 1001 closes over).
   */
  public record Operations(boolean logSerialize, boolean logIncludePid, Duration shutdownDrain) {}

  /**
   * Upstream's fleet statistics ({@code OPAL_STATISTICS_*}, opal-protocol.md §5.6), plus opal4j's
   * byte budget for the client table.
   */
  public record Statistics(
      boolean enabled,
      String addClientChannel,
      String removeClientChannel,
      String wakeupChannel,
      String stateSyncChannel,
      String serverKeepaliveChannel,
      Duration serverKeepaliveTimeout,
      int maxChannelsPerClient,
      long maxBytes) {}

  /** OPAL's broadcast keepalive: the leader publishes {@code topic} with {@code null} this often (0 = off). */
  public record Keepalive(Duration interval, String topic) {}

  /** Size, rate and time limits (opal4j additions; see README). */
  public record Limits(
      int maxInboundFrameBytes,
      int maxNotifyBytes,
      long outboundQueueBytes,
      int maxHttpBodyBytes,
      Duration pingInterval,
      Duration pingTimeout,
      int maxTopicsPerSubscribe,
      int maxSubscriptionsPerConnection,
      int maxConnections,
      int maxHandshakesPerSecond,
      int eventLoops,
      int authFailuresPerAddress,
      Duration authFailureWindow,
      boolean permessageDeflate) {}

  /** TLS for the server's own port, from uvicorn's variables; null fields mean plain HTTP. */
  public record Tls(String certFile, String keyFile, String keyPassword) {
    public boolean enabled() {
      return certFile != null;
    }
  }

  public static final String DEFAULT_CHANNEL = "EventNotifier";

  /**
   * Levels {@code OPAL_LOG_LEVEL} accepts: logback's, and upstream's loguru names, which {@link
   * #logbackLevel()} maps ({@code WARNING}, {@code SUCCESS}, {@code CRITICAL}).
   */
  public static final List<String> LOG_LEVELS =
      List.of("TRACE", "DEBUG", "INFO", "SUCCESS", "WARN", "WARNING", "ERROR", "CRITICAL", "OFF");

  /** A bound configuration and what start-up should warn about without refusing to start. */
  public record Binding(ServerConfig config, List<String> warnings) {}

  /** Binds and validates; throws with every problem listed when anything is wrong. */
  public static ServerConfig fromEnv(Map<String, String> env) throws ConfigException {
    return bind(env).config();
  }

  /**
   * Binds and validates every setting through one {@link EnvBinder}, then checks the {@code OPAL_*}
   * and {@code UVICORN_*} names no setting read ({@link UnknownVariables}). Throws with every
   * problem listed when anything is wrong; the warnings are for the caller to log once.
   */
  public static Binding bind(Map<String, String> env) throws ConfigException {
    EnvBinder r = new EnvBinder(env);
    ServerConfig config = bind(r);
    UnknownVariables.check(r);
    if (!r.errors().isEmpty()) {
      throw new ConfigException(r.errors());
    }
    return new Binding(config, r.warnings());
  }

  /** The logback level for {@link #logLevel()}: upstream's loguru names mapped to logback's. */
  public String logbackLevel() {
    return switch (logLevel) {
      case "WARNING" -> "WARN";
      case "SUCCESS" -> "INFO";
      case "CRITICAL" -> "ERROR";
      default -> logLevel;
    };
  }

  // package-private: SettingsCatalogTest reads what the binder was asked for
  static ServerConfig bind(EnvBinder r) {
    String host = r.string("OPAL_SERVER_HOST", "0.0.0.0");
    int port = r.integer("UVICORN_PORT", 7002, 0, 65535);
    int workerCount = r.integer("OPAL_SERVER_WORKER_COUNT", 1, 1, 256);
    int workers = r.raw("UVICORN_NUM_WORKERS") != null ? r.integer("UVICORN_NUM_WORKERS", 1, 1, 256) : workerCount;
    String logLevel = r.choice("OPAL_LOG_LEVEL", "INFO", LOG_LEVELS);

    URI broadcastUri = broadcastUri(r);
    if (workers > 1 && broadcastUri == null) {
      r.error("UVICORN_NUM_WORKERS=" + workers + " needs OPAL_BROADCAST_URI: without a broadcast backbone the"
          + " workers cannot share updates (set OPAL_BROADCAST_URI, or use 1 worker)");
    }
    String channel = r.string("OPAL_BROADCAST_CHANNEL_NAME", DEFAULT_CHANNEL);

    Duration backoffMin = r.seconds("OPAL_BROADCAST_RECONNECT_BACKOFF_MIN_SECONDS", 0.5, 0);
    Duration backoffMax = r.seconds("OPAL_BROADCAST_RECONNECT_BACKOFF_MAX_SECONDS", 30, 0);
    if (backoffMax.compareTo(backoffMin) < 0) {
      r.error("OPAL_BROADCAST_RECONNECT_BACKOFF_MAX_SECONDS must not be below OPAL_BROADCAST_RECONNECT_BACKOFF_MIN_SECONDS");
    }
    ResilienceSettings resilience = new ResilienceSettings(
        r.bool("OPAL_BROADCAST_RECONNECT_ENABLED", true),
        r.integer("OPAL_BROADCAST_RECONNECT_MAX_RETRIES", 0, 0, Integer.MAX_VALUE),
        backoffMin,
        backoffMax,
        r.integer("OPAL_BROADCAST_REPLAY_BUFFER_SIZE", 10_000, 0, Integer.MAX_VALUE),
        r.bytes("OPAL_BROADCAST_REPLAY_BUFFER_MAX_BYTES", 64L << 20, 1),
        r.bool("OPAL_BROADCAST_RESYNC_ON_RECONNECT", true),
        r.seconds("OPAL_BROADCAST_RESYNC_SETTLE_SECONDS", 2, 0),
        r.seconds("OPAL_BROADCAST_RESYNC_SPREAD_SECONDS", 0.5, 0),
        r.bool("OPAL_BROADCAST_HEALTHCHECK_ENABLED", true),
        r.seconds("OPAL_BROADCAST_HEALTHCHECK_GRACE_SECONDS", 60, 0),
        r.seconds("OPAL_BROADCAST_PROBE_INTERVAL_SECONDS", 10, 0),
        r.seconds("OPAL_BROADCAST_PROBE_TIMEOUT_SECONDS", 30, 0.1),
        r.bool("OPAL_BROADCAST_RESUME_ENABLED", true),
        reconnectProbeInterval(r));

    // read here so that it is a known name and a bad value stops start-up; the Redis and NATS
    // backends read it again with the same rule (decimal seconds, at least 0.3)
    r.seconds("OPAL_LEADER_LEASE_SECONDS", 10, 0.3);

    AuthSettings auth = AuthSettings.bind(r);
    String jwksRoute = r.string("OPAL_AUTH_JWKS_URL", "/.well-known/jwks.json");

    String allDataRoute = r.string("OPAL_ALL_DATA_ROUTE", "/policy-data");
    String allDataUrl = r.string("OPAL_ALL_DATA_URL", "http://localhost:7002/policy-data");
    String allDataTopic = r.string("OPAL_ALL_DATA_TOPIC", "policy_data");
    JsonNode sources = dataConfigSources(r, allDataUrl, allDataTopic);

    Limits limits = new Limits(
        r.integer("OPAL_WS_MAX_FRAME_BYTES", 1 << 20, 1024, Integer.MAX_VALUE),
        r.integer("OPAL_WS_MAX_NOTIFY_BYTES", 1 << 20, 1024, Integer.MAX_VALUE),
        r.bytes("OPAL_WS_OUTBOUND_QUEUE_BYTES", 16L << 20, 1024),
        r.integer("OPAL_HTTP_MAX_BODY_BYTES", 2 << 20, 1024, Integer.MAX_VALUE),
        r.seconds("OPAL_WS_PING_INTERVAL_SECONDS", 20, 0),
        r.seconds("OPAL_WS_PING_TIMEOUT_SECONDS", 20, 0.1),
        r.integer("OPAL_WS_MAX_TOPICS_PER_SUBSCRIBE", 1000, 1, Integer.MAX_VALUE),
        r.integer("OPAL_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION", 10_000, 1, Integer.MAX_VALUE),
        r.integer("OPAL_WS_MAX_CONNECTIONS", 200_000, 1, Integer.MAX_VALUE),
        r.integer("OPAL_WS_MAX_HANDSHAKES_PER_SECOND", 2_000, 1, Integer.MAX_VALUE),
        r.integer("OPAL_SERVER_EVENT_LOOPS", io.vertx.core.VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE, 1, 1024),
        r.integer("OPAL_WS_AUTH_FAILURES_PER_ADDRESS", 20, 1, Integer.MAX_VALUE),
        r.seconds("OPAL_WS_AUTH_FAILURE_WINDOW_SECONDS", 10, 0.1),
        r.bool("OPAL_WS_PERMESSAGE_DEFLATE", true));

    Tls tls = new Tls(r.raw("UVICORN_SSL_CERTFILE"), r.raw("UVICORN_SSL_KEYFILE"), r.raw("UVICORN_SSL_KEYFILE_PASSWORD"));
    if (tls.keyPassword() != null) {
      r.error("UVICORN_SSL_KEYFILE_PASSWORD: encrypted TLS keys are not supported; give an unencrypted PEM key"
          + " readable only by the server's user (openssl pkey -in enc.pem -out key.pem)");
    }
    if ((tls.certFile() == null) != (tls.keyFile() == null)) {
      r.error("set both UVICORN_SSL_CERTFILE and UVICORN_SSL_KEYFILE to serve TLS, or neither");
    }
    for (String file : new String[] {tls.certFile(), tls.keyFile()}) {
      if (file != null && !java.nio.file.Files.isReadable(java.nio.file.Path.of(file))) {
        r.error("TLS file '" + file + "' (UVICORN_SSL_CERTFILE/UVICORN_SSL_KEYFILE) is not readable");
      }
    }

    ServerConfig config = new ServerConfig(host, port, workers, broadcastUri, channel, resilience, auth, jwksRoute,
        sources, allDataTopic, allDataRoute,
        r.string("OPAL_DATA_CONFIG_ROUTE", "/data/config"),
        r.string("OPAL_DATA_CALLBACK_DEFAULT_ROUTE", "/data/callback_report"),
        r.list("OPAL_ALLOWED_ORIGINS", List.of("*")),
        r.bool("OPAL_PUBLISHER_ENABLED", true),
        limits,
        statistics(r),
        tls,
        dev.opal4j.policy.PolicyRepoSettings.bind(r),
        new Keepalive(r.seconds("OPAL_BROADCAST_KEEPALIVE_INTERVAL", 3600, 0),
            r.string("OPAL_BROADCAST_KEEPALIVE_TOPIC", "__broadcast_session_keepalive__")),
        logLevel,
        trustedProxies(r),
        new Operations(r.bool("OPAL_LOG_SERIALIZE", false), r.bool("OPAL_LOG_FORMAT_INCLUDE_PID", false),
            r.seconds("OPAL_SHUTDOWN_DRAIN_SECONDS", 5, 0)),
        loadLimit(r));
    for (String route : List.of(config.jwksRoute, config.allDataRoute, config.dataConfigRoute, config.dataCallbackRoute)) {
      if (!route.startsWith("/")) {
        r.error("route '" + route + "' must start with '/'");
      }
    }
    return config;
  }

  /** Probing a port more often than 20 times a second tells nothing sooner and only adds load. */
  static final Duration MIN_RECONNECT_PROBE_INTERVAL = Duration.ofMillis(50);

  private static Duration reconnectProbeInterval(EnvBinder r) {
    Duration interval = r.seconds("OPAL_BROADCAST_RECONNECT_PROBE_INTERVAL_SECONDS", 0.25, 0);
    if (interval.isPositive() && interval.compareTo(MIN_RECONNECT_PROBE_INTERVAL) < 0) {
      r.error("OPAL_BROADCAST_RECONNECT_PROBE_INTERVAL_SECONDS must be 0 (no probe) or at least "
          + MIN_RECONNECT_PROBE_INTERVAL.toMillis() / 1000.0);
      return ResilienceSettings.DEFAULT_RECONNECT_PROBE_INTERVAL;
    }
    return interval;
  }

  private static Statistics statistics(EnvBinder r) {
    return new Statistics(
        r.bool("OPAL_STATISTICS_ENABLED", false),
        r.string("OPAL_STATISTICS_ADD_CLIENT_CHANNEL", "__opal_stats_add"),
        r.string("OPAL_STATISTICS_REMOVE_CLIENT_CHANNEL", "__opal_stats_rm"),
        r.string("OPAL_STATISTICS_WAKEUP_CHANNEL", "__opal_stats_wakeup"),
        r.string("OPAL_STATISTICS_STATE_SYNC_CHANNEL", "__opal_stats_state_sync"),
        r.string("OPAL_STATISTICS_SERVER_KEEPALIVE_CHANNEL", "__opal_stats_server_keepalive"),
        r.seconds("OPAL_STATISTICS_SERVER_KEEPALIVE_TIMEOUT", 20, 0.2),
        r.integer("OPAL_MAX_CHANNELS_PER_CLIENT", 15, 1, Integer.MAX_VALUE),
        r.bytes("OPAL_STATISTICS_MAX_BYTES", 64L << 20, 4096));
  }

  /** {@code OPAL_CLIENT_LOAD_LIMIT_NOTATION}: null (unset or blank) means {@code /loadlimit} never refuses. */
  private static RateLimitNotation loadLimit(EnvBinder r) {
    String raw = r.raw("OPAL_CLIENT_LOAD_LIMIT_NOTATION");
    if (raw == null || raw.isBlank()) {
      return null;
    }
    try {
      return RateLimitNotation.parse(raw);
    } catch (IllegalArgumentException e) {
      r.error("OPAL_CLIENT_LOAD_LIMIT_NOTATION: " + e.getMessage());
      return null;
    }
  }

  private static TrustedProxies trustedProxies(EnvBinder r) {
    try {
      return TrustedProxies.parse(r.list("OPAL_TRUSTED_PROXIES", List.of()));
    } catch (IllegalArgumentException e) {
      r.error("OPAL_TRUSTED_PROXIES: " + e.getMessage() + "; expected a comma or JSON list of CIDR blocks"
          + " such as 10.0.0.0/8,fd00::/8");
      return TrustedProxies.NONE;
    }
  }

  /**
   * {@code OPAL_BROADCAST_URI}. {@code scheme://} with nothing after it (the documented {@code
   * memory://}) is not an RFC 2396 URI, so it is bound as {@code scheme:///}: same scheme, no host.
   */
  private static URI broadcastUri(EnvBinder r) {
    String raw = r.raw("OPAL_BROADCAST_URI");
    if (raw == null) {
      return null;
    }
    String text = BARE_SCHEME.matcher(raw).matches() ? raw + "/" : raw;
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      r.error("OPAL_BROADCAST_URI='" + UriRedaction.redact(raw) + "' is not a valid URI (" + e.getReason()
          + " at index " + e.getIndex() + ")");
      return null;
    }
    if (uri.getScheme() == null) {
      r.error("OPAL_BROADCAST_URI='" + UriRedaction.redact(raw)
          + "' has no scheme; expected e.g. postgres://host/db, redis://host:6379, kafka://host:9092, pulsar://host:6650,"
          + " nats://host:4222");
      return null;
    }
    return uri;
  }

  private static final java.util.regex.Pattern BARE_SCHEME =
      java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://");

  private static JsonNode dataConfigSources(EnvBinder r, String allDataUrl, String allDataTopic) {
    String raw = r.raw("OPAL_DATA_CONFIG_SOURCES");
    JsonNode sources;
    if (raw == null) {
      sources = Json.object().set("config", Json.object().set("entries",
          Json.MAPPER.createArrayNode().add(Json.object().put("url", allDataUrl)
              .set("topics", Json.MAPPER.createArrayNode().add(allDataTopic)))));
    } else {
      try {
        sources = Json.parse(raw);
      } catch (Exception e) {
        r.error("OPAL_DATA_CONFIG_SOURCES is not valid JSON: " + e.getMessage());
        return Json.object();
      }
    }
    boolean hasConfig = sources.hasNonNull("config");
    boolean hasExternal = sources.hasNonNull("external_source_url");
    if (hasConfig == hasExternal) {
      r.error("OPAL_DATA_CONFIG_SOURCES must have exactly one of 'config' or 'external_source_url'");
    } else if (hasConfig && !sources.get("config").path("entries").isArray()) {
      r.error("OPAL_DATA_CONFIG_SOURCES.config.entries must be a list of data source entries");
    } else if (hasExternal && !sources.get("external_source_url").isTextual()) {
      r.error("OPAL_DATA_CONFIG_SOURCES.external_source_url must be a URL string");
    }
    return sources;
  }
}
