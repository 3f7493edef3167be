package dev.opal4j.broadcast.memory;

import dev.opal4j.broadcast.spi.BackbonePosition;
import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.ResumableBroadcaster;
import java.util.Optional;

/** A broadcaster on a {@link MemoryBackbone} that retains messages: positions and resume. */
final class ResumableMemoryBroadcaster extends MemoryBroadcaster implements ResumableBroadcaster {
  private volatile BackbonePosition start;

  ResumableMemoryBroadcaster(MemoryBackbone backbone, String channel, String instanceId, BroadcastListener listener) {
    super(backbone, channel, instanceId, listener);
  }

  @Override
  public void connect() throws BackboneUnavailableException {
    requireAvailable();
    start = backbone.subscribeAtEnd(channel, this);
  }

  @Override
  public void connect(BackbonePosition after) throws BroadcastException {
    requireAvailable();
    backbone.subscribeAfter(channel, this, after, listener::onCaughtUp);
    start = after;
  }

  @Override
  public Optional<BackbonePosition> startPosition() {
    return Optional.ofNullable(start);
  }

  @Override
  void deliver(String message, BackbonePosition position) {
    if (!isClosed()) {
      listener.onMessage(message, position);
    }
  }
}
