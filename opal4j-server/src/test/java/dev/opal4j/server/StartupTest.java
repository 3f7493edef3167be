package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupTest {
  @Test
  void anUnknownBroadcastSchemeStopsStartUpListingTheKnownSchemes() {
    assertThatThrownBy(() -> RunningServer.start(Map.of("OPAL_BROADCAST_URI", "carrier-pigeon://coop:1")))
        .isInstanceOf(OpalServer.StartupException.class)
        .hasMessageContaining("scheme 'carrier-pigeon' is not supported")
        .hasMessageContaining("memory")
        .hasMessageContaining("postgres")
        .hasMessageContaining("redis");
  }
}
