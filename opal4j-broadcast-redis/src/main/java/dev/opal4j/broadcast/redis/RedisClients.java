package dev.opal4j.broadcast.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both Redis broadcasters (pub/sub and stream) do the same way: a Lettuce client that never
 * reconnects on its own, a handshake whose refusal reason is not lost, the server's message size
 * limit, and error texts that say what went wrong without a stack trace.
 */
final class RedisClients {
  private static final Logger log = LoggerFactory.getLogger(RedisClients.class);

  private RedisClients() {}

  /** A client on the shared event loops, with the options every backbone connection needs. */
  static RedisClient create(RedisURI redisUri) {
    RedisClient client = RedisClient.create(RedisResources.clientResources(), redisUri);
    client.setOptions(options(redisUri.getTimeout()));
    return client;
  }

  private static ClientOptions options(Duration timeout) {
    return ClientOptions.builder()
        // The opal4j supervisor owns reconnecting, so that it knows a gap happened.
        .autoReconnect(false)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .socketOptions(
            SocketOptions.builder()
                .connectTimeout(timeout)
                .keepAlive(
                    SocketOptions.KeepAliveOptions.builder()
                        .enable()
                        .idle(Duration.ofSeconds(30))
                        .interval(Duration.ofSeconds(10))
                        .count(3)
                        .build())
                .build())
        // Async commands must complete even if the server stops answering.
        .timeoutOptions(TimeoutOptions.enabled(timeout))
        .build();
  }

  /**
   * Runs {@code connect} (which opens a connection), once more when the handshake failed without
   * the server's reason. When the server refuses the handshake (a missing or wrong password),
   * Lettuce sometimes closes the channel before its connect listener runs and reports only
   * "RedisHandshakeHandler not registered", losing the server's answer. The answer is the same on a
   * second try, which almost always reports it; without it the operator could not tell a bad
   * password from a bug.
   */
  static <T> T connect(Supplier<T> connect, String redactedUri) {
    try {
      return connect.get();
    } catch (RuntimeException e) {
      if (!handshakeReasonLost(e)) {
        throw e;
      }
      log.debug("Redis backbone {}: handshake failed without a reason; trying once more to read it", redactedUri);
      return connect.get();
    }
  }

  private static boolean handshakeReasonLost(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof IllegalStateException
          && String.valueOf(t.getMessage()).contains("RedisHandshakeHandler not registered")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Redis refuses a command argument longer than {@code proto-max-bulk-len} and then drops the whole
   * connection, so a message that big must never be sent. Managed servers often forbid CONFIG: the
   * limit is then unknown (-1), as it is on upstream OPAL.
   */
  static long readMaxBulkBytes(StatefulRedisConnection<String, String> connection, String redactedUri) {
    try {
      Map<String, String> config = connection.sync().configGet("proto-max-bulk-len");
      String value = config.get("proto-max-bulk-len");
      return value == null ? -1 : Long.parseLong(value.strip());
    } catch (RedisException | NumberFormatException e) {
      log.debug("Redis backbone {}: cannot read proto-max-bulk-len ({}); message size limit unknown",
          redactedUri, describe(e));
      return -1;
    }
  }

  /** Shuts a client down at once (its connections close); never throws. */
  static void shutdown(RedisClient client, String redactedUri) {
    if (client == null) {
      return;
    }
    try {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    } catch (RuntimeException e) {
      log.debug("error while closing the Redis client for {}", redactedUri, e);
    }
  }

  /** The exception's message and its root cause's, e.g. "Unable to connect to ...: WRONGPASS ...". */
  static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = String.valueOf(e.getMessage());
    if (root != e && root.getMessage() != null && !text.contains(root.getMessage())) {
      text += ": " + root.getMessage();
    }
    String upper = text.toUpperCase(Locale.ROOT);
    if (upper.contains("WRONGPASS") || upper.contains("NOAUTH") || upper.contains("INVALID PASSWORD")) {
      text += " (authentication failed: check the user name and password in OPAL_BROADCAST_URI)";
    } else if (upper.contains("NOPERM")) {
      text += " (the Redis user lacks a permission the backbone needs: see SECURITY.md)";
    } else if (handshakeReasonLost(e)) {
      text += " (the server refused the connection handshake and its reason was lost; usually"
          + " authentication failed: check the user name and password in OPAL_BROADCAST_URI)";
    }
    return text;
  }
}
