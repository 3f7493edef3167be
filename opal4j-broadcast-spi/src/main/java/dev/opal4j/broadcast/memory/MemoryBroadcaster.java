package dev.opal4j.broadcast.memory;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.BroadcastListener;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

final class MemoryBroadcaster implements Broadcaster {
  private final MemoryBackbone backbone;
  private final String channel;
  private final BroadcastListener listener;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean lost = new AtomicBoolean();

  MemoryBroadcaster(MemoryBackbone backbone, String channel, BroadcastListener listener) {
    this.backbone = backbone;
    this.channel = channel;
    this.listener = listener;
  }

  @Override
  public void connect() throws BackboneUnavailableException {
    if (!backbone.isAvailable()) {
      throw new BackboneUnavailableException("memory backbone is down");
    }
    backbone.subscribe(channel, this);
  }

  @Override
  public CompletableFuture<Void> publish(String message) {
    if (!backbone.isAvailable() || lost.get()) {
      return CompletableFuture.failedFuture(new BackboneUnavailableException("memory backbone is down"));
    }
    backbone.publish(channel, message);
    return CompletableFuture.completedFuture(null);
  }

  void deliver(String message) {
    if (!closed.get()) {
      listener.onMessage(message);
    }
  }

  void lost(Throwable cause) {
    if (!closed.get() && lost.compareAndSet(false, true)) {
      listener.onConnectionLost(cause);
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      backbone.unsubscribe(channel, this);
    }
  }
}
