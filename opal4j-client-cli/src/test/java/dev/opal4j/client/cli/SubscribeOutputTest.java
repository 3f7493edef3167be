package dev.opal4j.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.protocol.Json;
import org.junit.jupiter.api.Test;

class SubscribeOutputTest {
  @Test
  void eachNotificationIsOneAsciiJsonLineWithTopicAndData() throws Exception {
    String line = SubscribeCommand.line("policy_data/users",
        Json.parse("{\"entries\":[{\"data\":{\"name\":\"Zoë\\nX\"}}],\"reason\":null}"));
    assertThat(line).doesNotContain("\n").matches("\\p{ASCII}*");
    assertThat(line).startsWith("{\"topic\":\"policy_data/users\",\"data\":{");
    assertThat(Json.parse(line).at("/data/entries/0/data/name").asText()).isEqualTo("Zoë\nX");
  }
}
