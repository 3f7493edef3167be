package dev.opal4j.broadcast.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.testkit.FreePorts;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresCredentialRedactionTest {

  @Test
  void aFailedConnectNamesTheServerButNotThePassword() throws Exception {
    URI uri = URI.create("postgres://opal:hunter2@127.0.0.1:" + FreePorts.next() + "/opal?connect_timeout=3");
    BroadcastSettings settings = new BroadcastSettings(uri, "EventNotifier", "i", Map.of());
    Throwable failure;
    try (Broadcaster broadcaster = Broadcasters.discover().factoryFor(settings).create(settings, new RecordingListener())) {
      failure = catchThrowable(broadcaster::connect);
    }

    assertThat(failure)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("postgres://opal:***@127.0.0.1")
        .hasMessageNotContaining("hunter2");
    for (Throwable t = failure; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t.getMessage())).doesNotContain("hunter2");
    }
  }
}
