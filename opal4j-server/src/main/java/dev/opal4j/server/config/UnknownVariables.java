package dev.opal4j.server.config;

import dev.opal4j.protocol.config.EnvBinder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * Finds {@code OPAL_*} and {@code UVICORN_*} variables that no setting read, so that a typo or an
 * upstream feature opal4j lacks is said out loud instead of silently ignored. Runs after every
 * setting has been bound: the known names are exactly those the settings asked the {@link
 * EnvBinder} for, so a new setting is known without being listed here. One warning per name, with
 * the nearest known name when it is a plausible typo; values are never quoted (they may be
 * secrets).
 *
 * <p>Left alone: the client's settings (one environment often serves both), Kubernetes' service
 * variables (a Service named {@code opal-server} injects {@code OPAL_SERVER_PORT=tcp://…}), and
 * opal4j's own {@code OPAL4J_*} internals, which do not have the {@code OPAL_} prefix.
 */
final class UnknownVariables {
  /** Upstream OPAL server and common settings that opal4j does not implement (all harmless to ignore). */
  static final Set<String> UPSTREAM_NOT_IMPLEMENTED = Set.of(
      "OPAL_WS_LOCAL_URL", "OPAL_WS_TOKEN", "OPAL_AUTH_JWKS_STATIC_DIR",
      "OPAL_SCOPES", "OPAL_SCOPES_GIT_FETCH_TIMEOUT",
      "OPAL_SCOPES_GIT_MAX_WORKERS", "OPAL_SCOPES_REPO_CLONES_SHARDS", "OPAL_REDIS_URL", "OPAL_BASE_DIR",
      "OPAL_POLICY_REFRESH_INTERVAL",
      "OPAL_NO_RPC_LOGS", "OPAL_SERVER_BIND_PORT", "OPAL_SERVER_PORT",
      "OPAL_ENABLE_DATADOG_APM", "OPAL_DEBUG_INTERNAL_STATS", "OPAL_ENABLE_METRICS",
      "OPAL_LOG_FORMAT", "OPAL_LOG_TRACEBACK", "OPAL_LOG_DIAGNOSE",
      "OPAL_LOG_COLORIZE", "OPAL_LOG_SHOW_CODE_LINE", "OPAL_LOG_MODULE_EXCLUDE_LIST",
      "OPAL_LOG_MODULE_INCLUDE_LIST", "OPAL_LOG_MODULE_EXCLUDE_OPA", "OPAL_LOG_PATCH_UVICORN_LOGS",
      "OPAL_LOG_TO_FILE", "OPAL_LOG_FILE_PATH", "OPAL_LOG_FILE_ROTATION", "OPAL_LOG_FILE_RETENTION",
      "OPAL_LOG_FILE_COMPRESSION", "OPAL_LOG_FILE_SERIALIZE", "OPAL_LOG_FILE_LEVEL",
      "OPAL_FETCH_PROVIDER_MODULES", "OPAL_FETCHING_WORKER_COUNT", "OPAL_FETCHING_CALLBACK_TIMEOUT",
      "OPAL_FETCHING_ENQUEUE_TIMEOUT", "OPAL_GIT_SSH_KEY_FILE", "OPAL_HTTP_FETCHER_PROVIDER_CLIENT",
      "UVICORN_HOST", "UVICORN_ASGI_APP");

  /** Where opal4j has its own setting for the same purpose. */
  private static final Map<String, String> INSTEAD = Map.of(
      "OPAL_SERVER_PORT", "UVICORN_PORT",
      "OPAL_SERVER_BIND_PORT", "UVICORN_PORT",
      "UVICORN_HOST", "OPAL_SERVER_HOST");

  /** The OPAL client's settings, silently left to the client. */
  private static final List<String> CLIENT_PREFIXES = List.of(
      "OPAL_CLIENT_", "OPAL_INLINE_OPA_", "OPAL_INLINE_CEDAR_", "OPAL_POLICY_STORE_", "OPAL_POLICY_UPDATER_",
      "OPAL_DATA_UPDATER_", "OPAL_DATA_STORE_", "OPAL_DEFAULT_UPDATE_CALLBACK", "OPAL_OPA_HEALTH_CHECK_",
      "OPAL_STORE_BACKUP_", "OPAL_OFFLINE_MODE_");
  private static final Set<String> CLIENT_NAMES = Set.of(
      "OPAL_SERVER_URL", "OPAL_SERVER_WS_URL", "OPAL_SERVER_PUBSUB_URL", "OPAL_DATA_TOPICS",
      "OPAL_KEEP_ALIVE_INTERVAL", "OPAL_WAIT_ON_SERVER_LOAD", "OPAL_POLICY_SUBSCRIPTION_DIRS",
      "OPAL_DEFAULT_DATA_SOURCES_CONFIG_URL", "OPAL_DEFAULT_DATA_URL", "OPAL_SHOULD_REPORT_ON_DATA_UPDATES",
      "OPAL_SCOPE_ID", "OPAL_SPLIT_ROOT_DATA", "OPAL_EXCLUDE_POLICY_STORE_SECRETS");

  // Kubernetes' service links: <SERVICE>_SERVICE_HOST, <SERVICE>_SERVICE_PORT[_<port name>],
  // <SERVICE>_PORT=tcp://ip:port and <SERVICE>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]
  private static final Pattern K8S_SERVICE = Pattern.compile("[A-Z0-9_]+_SERVICE_(HOST|PORT(_[A-Z0-9_]+)?)");
  private static final Pattern K8S_PORT_NUMBER =
      Pattern.compile("[A-Z0-9_]+_PORT_[0-9]+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?");
  private static final Pattern K8S_PORT_URL_NAME = Pattern.compile("[A-Z0-9_]+_PORT");
  private static final Pattern K8S_PORT_URL_VALUE = Pattern.compile("(tcp|udp|sctp)://\\S+");

  private UnknownVariables() {}

  /** Adds one warning to the binder for each unknown {@code OPAL_*}/{@code UVICORN_*} variable. */
  static void check(EnvBinder binder) {
    Set<String> known = binder.namesRead();
    Map<String, String> env = binder.environment();
    for (String name : new TreeSet<>(env.keySet())) {
      if (!name.startsWith("OPAL_") && !name.startsWith("UVICORN_")) {
        continue;
      }
      if (known.contains(name) || isKubernetesServiceLink(name, env.get(name))) {
        continue;
      }
      if (UPSTREAM_NOT_IMPLEMENTED.contains(name)) {
        String instead = INSTEAD.get(name);
        binder.warn(name + ": recognised upstream OPAL setting, not implemented by opal4j: ignored"
            + (instead == null ? "" : " (opal4j's setting for this is " + instead + ")"));
      } else if (!isClientSetting(name)) {
        String nearest = nearest(name, known);
        binder.warn(name + " is not an opal4j setting: ignored"
            + (nearest == null ? "" : "; did you mean " + nearest + "?"));
      }
    }
  }

  static boolean isClientSetting(String name) {
    return CLIENT_NAMES.contains(name) || CLIENT_PREFIXES.stream().anyMatch(name::startsWith);
  }

  static boolean isKubernetesServiceLink(String name, String value) {
    if (K8S_SERVICE.matcher(name).matches() || K8S_PORT_NUMBER.matcher(name).matches()) {
      return true;
    }
    return K8S_PORT_URL_NAME.matcher(name).matches() && value != null
        && K8S_PORT_URL_VALUE.matcher(value.trim()).matches();
  }

  /** The known name closest to {@code name}, when it is near enough to be a typo of it. */
  static String nearest(String name, Set<String> known) {
    LevenshteinDistance withinTypoReach = new LevenshteinDistance(Math.max(2, name.length() / 8));
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : new TreeSet<>(known)) {
      int d = withinTypoReach.apply(name, candidate); // -1: beyond the threshold
      if (d >= 0 && d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best;
  }
}
