package dev.opal4j.broadcast.redis;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.BroadcasterFactory;
import java.time.Duration;
import java.util.Set;

/**
 * {@code redis://[[user]:password@]host[:port][/db]} and {@code rediss://...} (TLS, peer verified
 * against the JVM trust store unless {@code ?verifyPeer=NONE|CA}).
 */
public final class RedisBroadcasterFactory implements BroadcasterFactory {
  /** How often the subscriber connection PINGs to prove the server still answers. */
  static final Duration HEALTH_INTERVAL = Duration.ofSeconds(5);

  @Override
  public Set<String> schemes() {
    return Set.of("redis", "rediss");
  }

  @Override
  public void validate(BroadcastSettings settings) throws BroadcastConfigurationException {
    RedisUris.parse(settings.uri());
    if (settings.channel().isEmpty()) {
      throw new BroadcastConfigurationException("OPAL_BROADCAST_CHANNEL_NAME must not be empty");
    }
  }

  @Override
  public Broadcaster create(BroadcastSettings settings, BroadcastListener listener)
      throws BroadcastConfigurationException {
    validate(settings);
    return new RedisBroadcaster(
        RedisUris.parse(settings.uri()), settings.channel(), settings.redactedUri(), listener, HEALTH_INTERVAL);
  }
}
