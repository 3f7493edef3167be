package dev.opal4j.broadcast.memory;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.BroadcastListener;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

class MemoryBroadcaster implements Broadcaster {
  final MemoryBackbone backbone;
  final String channel;
  final BroadcastListener listener;
  final String instanceId;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean lost = new AtomicBoolean();

  MemoryBroadcaster(MemoryBackbone backbone, String channel, String instanceId, BroadcastListener listener) {
    this.backbone = backbone;
    this.channel = channel;
    this.instanceId = instanceId;
    this.listener = listener;
  }

  @Override
  public void connect() throws BackboneUnavailableException {
    requireAvailable();
    backbone.subscribe(channel, this);
  }

  void requireAvailable() throws BackboneUnavailableException {
    if (!backbone.reachableBy(instanceId)) {
      throw new BackboneUnavailableException("memory backbone is down");
    }
  }

  @Override
  public CompletableFuture<Void> publish(String message) {
    if (!backbone.reachableBy(instanceId) || lost.get()) {
      return CompletableFuture.failedFuture(new BackboneUnavailableException("memory backbone is down"));
    }
    backbone.publish(channel, message);
    return CompletableFuture.completedFuture(null);
  }

  /** {@code position} is null unless the backbone retains messages. */
  void deliver(String message, BackbonePosition position) {
    if (!closed.get()) {
      listener.onMessage(message);
    }
  }

  boolean isClosed() {
    return closed.get();
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
