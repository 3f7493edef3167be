package dev.opal4j.broadcast.memory;

import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.BroadcasterFactory;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import java.util.Set;

/**
 * {@code memory://[name]}: an in-process backbone. Broadcasters in one JVM with the same URI and
 * channel hear each other; other processes hear nothing, so it cannot link several workers. It
 * keeps no messages unless a test asks its {@link MemoryBackbone} to; then its broadcasters are
 * resumable.
 */
public final class MemoryBroadcasterFactory implements BroadcasterFactory {
  @Override
  public Set<String> schemes() {
    return Set.of("memory");
  }

  @Override
  public Broadcaster create(BroadcastSettings settings, BroadcastListener listener) {
    MemoryBackbone backbone = MemoryBackbone.named(settings.uri().toString());
    return backbone.retains()
        ? new ResumableMemoryBroadcaster(backbone, settings.channel(), settings.instanceId(), listener)
        : new MemoryBroadcaster(backbone, settings.channel(), settings.instanceId(), listener);
  }
}
