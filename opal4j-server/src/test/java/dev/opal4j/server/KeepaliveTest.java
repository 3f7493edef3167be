package dev.opal4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** OPAL's broadcast keepalive is published on its topic with null data at the configured interval. */
class KeepaliveTest {

  @Test
  void theKeepaliveTopicIsPublishedWithNullData() throws Exception {
    try (RunningServer server = RunningServer.start(Map.of(
        "OPAL_BROADCAST_URI", "memory://keepalive-test",
        "OPAL_BROADCAST_KEEPALIVE_INTERVAL", "0.3"));
        RpcTestClient c = RpcTestClient.connect(server.ws(), null)) {
      assertThat(c.request("subscribe", "{\"topics\": [\"__broadcast_session_keepalive__\"]}")
          .at("/response/result").asBoolean()).isTrue();
      JsonNode notify = c.next();
      assertThat(notify.at("/request/arguments/subscription/topic").asText()).isEqualTo("__broadcast_session_keepalive__");
      assertThat(notify.at("/request/arguments/data").isNull()).isTrue();
    }
  }
}
