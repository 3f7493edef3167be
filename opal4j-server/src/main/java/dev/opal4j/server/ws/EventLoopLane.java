package dev.opal4j.server.ws;

import dev.opal4j.core.hub.DeliveryLane;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;

/** A Netty event loop as the hub's delivery lane for the sockets it owns; one instance per loop. */
final class EventLoopLane implements DeliveryLane {
  private static final FastThreadLocal<EventLoopLane> OF_CURRENT_LOOP = new FastThreadLocal<>();

  private final EventExecutor loop;

  private EventLoopLane(EventExecutor loop) {
    this.loop = loop;
  }

  /** The lane of {@code loop}; call on that loop. */
  static EventLoopLane of(EventExecutor loop) {
    EventLoopLane lane = OF_CURRENT_LOOP.get();
    if (lane == null || lane.loop != loop) {
      lane = new EventLoopLane(loop);
      OF_CURRENT_LOOP.set(lane);
    }
    return lane;
  }

  @Override
  public boolean isCurrent() {
    return loop.inEventLoop();
  }

  @Override
  public void execute(Runnable command) {
    loop.execute(command);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EventLoopLane other && other.loop == loop;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(loop);
  }
}
