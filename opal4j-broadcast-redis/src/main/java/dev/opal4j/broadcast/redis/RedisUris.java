package dev.opal4j.broadcast.redis;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.internal.UriRedaction;
import io.lettuce.core.RedisURI;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a Redis broadcast URI: {@code redis://} and {@code rediss://} (pub/sub), {@code
 * redis-stream://} and {@code rediss-stream://} (a stream, with the extra parameter {@code maxlen}).
 */
final class RedisUris {
  /** How long a command (PUBLISH, XADD, SUBSCRIBE, PING) may take unless the URI sets {@code timeout}. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  /**
   * The stream's {@code MAXLEN ~} bound unless the URI sets {@code maxlen}: with OPAL's update rates
   * (a few a minute to a few a second) hours to days of messages, at a few MiB of server memory.
   */
  static final long DEFAULT_MAXLEN = 10_000;
  static final String MAXLEN = "maxlen";

  /** Query parameters Lettuce understands for a plain (non-sentinel) server. */
  private static final List<String> SUPPORTED =
      List.of("clientName", "database", "db", "libraryName", "libraryVersion", "timeout", "verifyPeer");
  private static final List<String> SUPPORTED_BY_STREAM =
      List.of("clientName", "database", "db", "libraryName", "libraryVersion", MAXLEN, "timeout", "verifyPeer");

  /** Each scheme and the Lettuce scheme it reaches the server with. */
  private static final Map<String, String> SCHEMES =
      Map.of("redis", "redis", "rediss", "rediss", "redis-stream", "redis", "rediss-stream", "rediss");

  private RedisUris() {}

  static RedisEndpoint parse(URI uri) throws BroadcastConfigurationException {
    String redacted = UriRedaction.redact(uri.toString());
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!SCHEMES.containsKey(scheme)) {
      throw new BroadcastConfigurationException("OPAL_BROADCAST_URI '" + redacted
          + "' is not a redis://, rediss://, redis-stream:// or rediss-stream:// URI");
    }
    boolean stream = scheme.endsWith("-stream");
    if (uri.isOpaque() || uri.getHost() == null) {
      throw new BroadcastConfigurationException("OPAL_BROADCAST_URI '" + redacted + "' must look like " + scheme
          + "://[user:password@]host[:port][/db]");
    }
    List<String> supported = stream ? SUPPORTED_BY_STREAM : SUPPORTED;
    String rawQuery = uri.getRawQuery();
    boolean hasTimeout = false;
    long maxLen = stream ? DEFAULT_MAXLEN : 0;
    List<String> forLettuce = new ArrayList<>();
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        String[] nameValue = pair.split("=", 2);
        String name = URLDecoder.decode(nameValue[0], StandardCharsets.UTF_8);
        if (name.equals(MAXLEN) && !stream) {
          throw new BroadcastConfigurationException("OPAL_BROADCAST_URI '" + redacted + "': query parameter '"
              + MAXLEN + "' bounds a stream; it needs redis-stream:// or rediss-stream:// (pub/sub keeps nothing)");
        }
        if (!supported.contains(name)) {
          throw new BroadcastConfigurationException(
              "OPAL_BROADCAST_URI '" + redacted + "': query parameter '" + name
                  + "' is not supported by the redis backbone; supported: " + String.join(", ", supported));
        }
        if (name.equals(MAXLEN)) {
          maxLen = maxLen(nameValue.length > 1 ? URLDecoder.decode(nameValue[1], StandardCharsets.UTF_8) : "", redacted);
        } else {
          forLettuce.add(pair);
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
      String lettuceUri = SCHEMES.get(scheme) + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath())
          + (forLettuce.isEmpty() ? "" : "?" + String.join("&", forLettuce));
      redisUri = RedisURI.create(URI.create(lettuceUri));
    } catch (RuntimeException e) {
      // Lettuce's message may quote the URI, so it is not passed on.
      throw new BroadcastConfigurationException(
          "OPAL_BROADCAST_URI '" + redacted + "' is not a valid Redis URI (" + e.getClass().getSimpleName() + ")");
    }
    if (!hasTimeout) {
      redisUri.setTimeout(DEFAULT_TIMEOUT);
    }
    return new RedisEndpoint(redisUri, stream, maxLen);
  }

  private static long maxLen(String text, String redacted) throws BroadcastConfigurationException {
    long value;
    try {
      value = Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      value = 0;
    }
    if (value < 1) {
      throw new BroadcastConfigurationException("OPAL_BROADCAST_URI '" + redacted + "': " + MAXLEN + "='" + text
          + "' is invalid; expected a whole number of entries of at least 1 (the stream keeps about that many"
          + " of the newest messages), e.g. " + DEFAULT_MAXLEN);
    }
    return value;
  }
}
