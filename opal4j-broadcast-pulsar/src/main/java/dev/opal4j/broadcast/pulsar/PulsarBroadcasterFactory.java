package dev.opal4j.broadcast.pulsar;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.BroadcasterFactory;
import dev.opal4j.broadcast.spi.LeaderElector;
import dev.opal4j.broadcast.spi.SocketAddresses;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code pulsar://host[:6650]}: only host and port are used, as in OPAL (no TLS, no
 * authentication). Every channel travels on the topic {@code broadcast}, prefixed with {@code
 * <channel>:}.
 */
public final class PulsarBroadcasterFactory implements BroadcasterFactory {
  static final int DEFAULT_PORT = 6650;

  @Override
  public Set<String> schemes() {
    return Set.of("pulsar");
  }

  @Override
  public void validate(BroadcastSettings settings) throws BroadcastConfigurationException {
    serviceUrl(settings);
  }

  @Override
  public Broadcaster create(BroadcastSettings settings, BroadcastListener listener)
      throws BroadcastConfigurationException {
    return new PulsarBroadcaster(serviceUrl(settings), settings, listener);
  }

  /** The broker of the service URL (the client learns the topic owner's address from it). */
  @Override
  public List<InetSocketAddress> socketAddresses(BroadcastSettings settings) throws BroadcastConfigurationException {
    String service = serviceUrl(settings);
    return List.of(SocketAddresses.parse(service.substring("pulsar://".length())));
  }

  /** See {@link PulsarLeaderElector}: the one consumer of an Exclusive subscription. */
  @Override
  public Optional<LeaderElector> leaderElector(BroadcastSettings settings, String electionName)
      throws BroadcastConfigurationException {
    return Optional.of(
        new PulsarLeaderElector(serviceUrl(settings), settings.redactedUri(), settings.channel(), electionName));
  }

  /** {@code pulsar://host:port}, the only parts OPAL uses. */
  static String serviceUrl(BroadcastSettings settings) throws BroadcastConfigurationException {
    URI uri = settings.uri();
    String where = "OPAL_BROADCAST_URI '" + settings.redactedUri() + "'";
    if (uri.getHost() == null) {
      throw new BroadcastConfigurationException(where + " names no host; expected pulsar://host:6650");
    }
    if (uri.getUserInfo() != null) {
      throw new BroadcastConfigurationException(
          where + " contains credentials; the pulsar:// backbone (like OPAL's) uses no authentication");
    }
    if (settings.channel().contains(":")) {
      // Receivers split "<channel>:<json>" on the first ':'.
      throw new BroadcastConfigurationException(
          "OPAL_BROADCAST_CHANNEL_NAME '" + settings.channel() + "' must not contain ':' with the pulsar:// backbone");
    }
    String host = uri.getHost().contains(":") && !uri.getHost().startsWith("[") ? "[" + uri.getHost() + "]" : uri.getHost();
    return "pulsar://" + host + ":" + (uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort());
  }
}
