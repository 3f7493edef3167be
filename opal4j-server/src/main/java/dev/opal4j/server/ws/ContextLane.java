package dev.opal4j.server.ws;

import dev.opal4j.core.hub.DeliveryLane;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/** A Vert.x event-loop context as the hub's delivery lane for the sockets it owns. */
final class ContextLane implements DeliveryLane {
  private final Context context;

  private ContextLane(Context context) {
    this.context = context;
  }

  /** The lane of the calling event loop, or null when not called on one. */
  static ContextLane current() {
    Context context = Vertx.currentContext();
    return context == null || !context.isEventLoopContext() ? null : new ContextLane(context);
  }

  @Override
  public boolean isCurrent() {
    return Vertx.currentContext() == context;
  }

  @Override
  public void execute(Runnable command) {
    context.runOnContext(v -> command.run());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ContextLane other && other.context == context;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(context);
  }
}
