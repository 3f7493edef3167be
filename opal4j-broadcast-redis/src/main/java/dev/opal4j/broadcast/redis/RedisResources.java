package dev.opal4j.broadcast.redis;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.DefaultEventLoopGroupProvider;
import io.netty.util.concurrent.DefaultPromise;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
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
        DefaultClientResources.builder()
            .eventLoopGroupProvider(new KeptEventLoopGroupProvider(2))
            .computationThreadPoolSize(1)
            .build();
    static final ScheduledExecutorService HEALTH =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("opal4j-redis-health").unstarted(r));
  }

  /**
   * Lettuce counts the clients that use an event loop group and shuts the group down when the last
   * one is shut down. A failed connection attempt is often the only client, so its group died with
   * it, and the handshake timeout Lettuce had armed on the computation pool fired ~10 s later into
   * the dead loop: a {@code RejectedExecutionException} stack trace at ERROR after every failed
   * attempt. Keeping the groups for the life of the JVM (their threads are daemons) leaves that
   * late timer a live loop where it does nothing.
   */
  private static final class KeptEventLoopGroupProvider extends DefaultEventLoopGroupProvider {
    KeptEventLoopGroupProvider(int threads) {
      super(threads);
    }

    @Override
    public Promise<Boolean> release(EventExecutorGroup group, long quietPeriod, long timeout, java.util.concurrent.TimeUnit unit) {
      Promise<Boolean> kept = new DefaultPromise<>(ImmediateEventExecutor.INSTANCE);
      return kept.setSuccess(true);
    }
  }

  static ClientResources clientResources() {
    return Holder.RESOURCES;
  }

  /** Runs the periodic pub/sub PINGs; its tasks only start async commands, so one thread is plenty. */
  static ScheduledExecutorService healthChecks() {
    return Holder.HEALTH;
  }
}
