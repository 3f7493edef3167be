package dev.opal4j.broadcast.pulsar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.broadcast.spi.BroadcastSettings;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the factory reads from the URI, without a broker. */
class PulsarBroadcasterFactoryTest {

  @Test
  void theSocketAddressIsTheServiceUrlsHostAndPortWith6650AsTheDefault() throws Exception {
    assertThat(new PulsarBroadcasterFactory().socketAddresses(
        new BroadcastSettings(URI.create("pulsar://pulsar.example"), "EventNotifier", "id", Map.of())))
        .containsExactly(InetSocketAddress.createUnresolved("pulsar.example", 6650));
    assertThat(new PulsarBroadcasterFactory().socketAddresses(
        new BroadcastSettings(URI.create("pulsar://[::1]:6651"), "EventNotifier", "id", Map.of())))
        .containsExactly(InetSocketAddress.createUnresolved("::1", 6651));
  }
}
