package dev.opal4j.broadcast.redis;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Netty event loops and timers shared by every Redis broadcaster in the JVM (Lettuce's advice:
 * they are expensive, and a supervisor creates a new broadcaster on every reconnect). Created on
 * first use; their threads are daemons.
 */
final class RedisResources {
  private RedisResources() {}

  private static final class Holder {
    static final ClientResources RESOURCES =
        DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1).build();
    static final ScheduledExecutorService HEALTH =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("opal4j-redis-health").unstarted(r));
  }

  static ClientResources clientResources() {
    return Holder.RESOURCES;
  }

  /** Runs the periodic pub/sub PINGs; its tasks only start async commands, so one thread is plenty. */
  static ScheduledExecutorService healthChecks() {
    return Holder.HEALTH;
  }
}
