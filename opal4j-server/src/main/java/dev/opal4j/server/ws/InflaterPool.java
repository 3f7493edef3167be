package dev.opal4j.server.ws;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayDeque;
import java.util.zip.Inflater;

/**
 * Raw-deflate {@link Inflater}s shared by the connections of one event loop. A connection holds one
 * only while a compressed message is arriving, so an idle connection costs no zlib memory (a zlib
 * inflater with its 32 KiB window is most of what permessage-deflate cost per connection before).
 * Connections may interleave fragmented messages, so a loop can need several at once; at most
 * {@link #KEPT_PER_LOOP} are kept for reuse, the rest are ended when returned.
 *
 * <p>Use from event-loop threads only; an inflater goes back to the pool of the thread that took it.
 */
final class InflaterPool {
  static final int KEPT_PER_LOOP = 4;
  private static final FastThreadLocal<ArrayDeque<Inflater>> POOL = new FastThreadLocal<>() {
    @Override
    protected ArrayDeque<Inflater> initialValue() {
      return new ArrayDeque<>(KEPT_PER_LOOP);
    }

    @Override
    protected void onRemoval(ArrayDeque<Inflater> pool) {
      pool.forEach(Inflater::end);
      pool.clear();
    }
  };

  private InflaterPool() {}

  /** An inflater in its initial state, for raw deflate data (no zlib header: RFC 7692 §7.2.2). */
  static Inflater take() {
    Inflater pooled = POOL.get().poll();
    return pooled != null ? pooled : new Inflater(true);
  }

  /** Resets {@code inflater} and keeps it for the next message, or ends it if enough are kept. */
  static void give(Inflater inflater) {
    ArrayDeque<Inflater> pool = POOL.get();
    if (pool.size() < KEPT_PER_LOOP) {
      inflater.reset();
      pool.push(inflater);
    } else {
      inflater.end();
    }
  }
}
