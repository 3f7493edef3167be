package dev.opal4j.broadcast.redis;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.MessageRejectedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The publishing connection of a Redis backbone: refuses a message over the server's size limit
 * before it is sent (Redis would drop the whole connection), sends the command ({@code PUBLISH} or
 * {@code XADD}), and says what a failure means.
 *
 * <p>Thread-safe; never blocks. Commands from one thread go out in call order on the one
 * connection.
 */
final class RedisPublisher {
  private final StatefulRedisConnection<String, String> connection;
  private final long maxBulkBytes;
  private final String redactedUri;
  private final BiFunction<RedisAsyncCommands<String, String>, String, RedisFuture<?>> command;
  private final Consumer<Throwable> serverSilent;

  /**
   * @param maxBulkBytes the server's {@code proto-max-bulk-len}, or -1 when unknown
   * @param command sends one message on the connection's async API
   * @param serverSilent hears of a command that timed out: the connection is useless then
   */
  RedisPublisher(
      StatefulRedisConnection<String, String> connection,
      long maxBulkBytes,
      String redactedUri,
      BiFunction<RedisAsyncCommands<String, String>, String, RedisFuture<?>> command,
      Consumer<Throwable> serverSilent) {
    this.connection = connection;
    this.maxBulkBytes = maxBulkBytes;
    this.redactedUri = redactedUri;
    this.command = command;
    this.serverSilent = serverSilent;
  }

  long maxBulkBytes() {
    return maxBulkBytes;
  }

  CompletableFuture<Void> publish(String message) {
    long max = maxBulkBytes;
    // A UTF-16 char encodes to at most 3 bytes: only near the limit is the exact size worth computing.
    if (max >= 0 && message.length() * 3L > max) {
      int bytes = message.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > max) {
        return CompletableFuture.failedFuture(new MessageRejectedException("message of " + bytes
            + " bytes exceeds the Redis limit of " + max + " bytes (proto-max-bulk-len of " + redactedUri + ")"));
      }
    }
    CompletableFuture<Void> result = new CompletableFuture<>();
    try {
      command
          .apply(connection.async(), message)
          .whenComplete(
              (reply, error) -> {
                if (error == null) {
                  result.complete(null);
                  return;
                }
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                result.completeExceptionally(failed(cause));
                if (cause instanceof RedisCommandTimeoutException) {
                  serverSilent.accept(cause);
                }
              });
    } catch (RuntimeException e) {
      result.completeExceptionally(failed(e));
    }
    return result;
  }

  private BackboneUnavailableException failed(Throwable cause) {
    return new BackboneUnavailableException(
        "Redis backbone " + redactedUri + ": publish failed: " + RedisClients.describe(cause), cause);
  }
}
