package dev.opal4j.broadcast.memory;

import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.BroadcasterFactory;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import java.util.Set;

/**
 * {@code memory://[name]}: an in-process backbone. Broadcasters in one JVM with the same URI and
 * channel hear each other; other processes hear nothing, so it cannot link several workers.
 */
public final class MemoryBroadcasterFactory implements BroadcasterFactory {
  @Override
  public Set<String> schemes() {
    return Set.of("memory");
  }

  @Override
  public Broadcaster create(BroadcastSettings settings, BroadcastListener listener) {
    return new MemoryBroadcaster(MemoryBackbone.named(settings.uri().toString()), settings.channel(), listener);
  }
}
