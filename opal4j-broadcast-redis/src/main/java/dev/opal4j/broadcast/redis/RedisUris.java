package dev.opal4j.broadcast.redis;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.UriRedaction;
import io.lettuce.core.RedisURI;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reads a {@code redis://} or {@code rediss://} broadcast URI into Lettuce's {@link RedisURI}. */
final class RedisUris {
  /** How long a command (PUBLISH, SUBSCRIBE, PING) may take unless the URI sets {@code timeout}. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** Query parameters Lettuce understands for a plain (non-sentinel) server. */
  private static final List<String> SUPPORTED =
      List.of("clientName", "database", "db", "libraryName", "libraryVersion", "timeout", "verifyPeer");

  private static final Set<String> SCHEMES = Set.of("redis", "rediss");

  private RedisUris() {}

  static RedisURI parse(URI uri) throws BroadcastConfigurationException {
    String redacted = UriRedaction.redact(uri.toString());
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!SCHEMES.contains(scheme)) {
      throw new BroadcastConfigurationException(
          "OPAL_BROADCAST_URI '" + redacted + "' is not a redis:// or rediss:// URI");
    }
    if (uri.isOpaque() || uri.getHost() == null) {
      throw new BroadcastConfigurationException(
          "OPAL_BROADCAST_URI '" + redacted + "' must look like redis://[user:password@]host[:port][/db]");
    }
    String rawQuery = uri.getRawQuery();
    boolean hasTimeout = false;
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        String name = URLDecoder.decode(pair.split("=", 2)[0], StandardCharsets.UTF_8);
        if (!SUPPORTED.contains(name)) {
          throw new BroadcastConfigurationException(
              "OPAL_BROADCAST_URI '" + redacted + "': query parameter '" + name
                  + "' is not supported by the redis backbone; supported: " + String.join(", ", SUPPORTED));
        }
        hasTimeout |= name.equals("timeout");
      }
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    if (!path.isEmpty() && !path.equals("/") && !path.substring(1).matches("\\d+")) {
      throw new BroadcastConfigurationException(
          "OPAL_BROADCAST_URI '" + redacted + "': the path must be a database number, not '" + path + "'");
    }
    RedisURI redisUri;
    try {
      redisUri = RedisURI.create(uri);
    } catch (RuntimeException e) {
      // Lettuce's message may quote the URI, so it is not passed on.
      throw new BroadcastConfigurationException(
          "OPAL_BROADCAST_URI '" + redacted + "' is not a valid Redis URI (" + e.getClass().getSimpleName() + ")");
    }
    if (!hasTimeout) {
      redisUri.setTimeout(DEFAULT_TIMEOUT);
    }
    return redisUri;
  }
}
