package dev.opal4j.server.cli;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The few flags {@code opal-server} takes. Each only overrides the environment variable it names,
 * so the environment stays the one way to configure the server and every flag has exactly one
 * meaning: the variable's. Values are checked by the same binder as the variables.
 *
 * <p>Not thread-safe: filled by picocli while parsing, read once after.
 */
public final class FlagOverrides {
  @Option(names = "--port", paramLabel = "PORT", scope = ScopeType.INHERIT,
      description = "overrides UVICORN_PORT")
  String port;

  @Option(names = "--host", paramLabel = "ADDRESS", scope = ScopeType.INHERIT,
      description = "overrides OPAL_SERVER_HOST")
  String host;

  @Option(names = "--workers", paramLabel = "N", scope = ScopeType.INHERIT,
      description = "overrides UVICORN_NUM_WORKERS")
  String workers;

  @Option(names = "--log-level", paramLabel = "LEVEL", scope = ScopeType.INHERIT,
      description = "overrides OPAL_LOG_LEVEL")
  String logLevel;

  /** The variables the flags given set, by name. */
  public Map<String, String> asVariables() {
    Map<String, String> v = new LinkedHashMap<>();
    putIfGiven(v, "UVICORN_PORT", port);
    putIfGiven(v, "OPAL_SERVER_HOST", host);
    putIfGiven(v, "UVICORN_NUM_WORKERS", workers);
    putIfGiven(v, "OPAL_LOG_LEVEL", logLevel);
    return v;
  }

  /** {@code env} with the flags given laid over it. */
  public Map<String, String> applyTo(Map<String, String> env) {
    Map<String, String> effective = new HashMap<>(env);
    effective.putAll(asVariables());
    return Map.copyOf(effective);
  }

  private static void putIfGiven(Map<String, String> v, String name, String value) {
    if (value != null) {
      v.put(name, value);
    }
  }
}
