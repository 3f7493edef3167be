package dev.opal4j.broadcast.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NatsNamesTest {

  @Test
  void theChannelNameIsTheSubjectUnchangedDotsIncluded() throws Exception {
    assertThat(NatsNames.subject("EventNotifier")).isEqualTo("EventNotifier");
    assertThat(NatsNames.subject("opal.events")).isEqualTo("opal.events");
    assertThat(NatsNames.subject("Zürich-1_x")).isEqualTo("Zürich-1_x");
  }

  @Test
  void aChannelThatIsNoLiteralSubjectIsAConfigurationErrorSayingWhy() {
    assertSubjectRefused("Event Notifier", "whitespace");
    assertSubjectRefused("tab\there", "whitespace");
    assertSubjectRefused("opal.*", "wildcards");
    assertSubjectRefused("opal.>", "wildcards");
    assertSubjectRefused(".opal", "cannot start or end with '.'");
    assertSubjectRefused("opal.", "cannot start or end with '.'");
    assertSubjectRefused("a..b", "'..'");
    assertSubjectRefused("", "empty");
  }

  @Test
  void theFactoryValidatesTheChannelAtStartUp() {
    assertThatThrownBy(() -> new NatsBroadcasterFactory().validate(
        NatsEndpointTest.settings("nats://h", "Event Notifier", Map.of())))
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining("OPAL_BROADCAST_CHANNEL_NAME 'Event Notifier' cannot be a NATS subject");
  }

  @Test
  void leaseKeysUseOnlyTheKeyAlphabetAndNeverCollide() {
    String plain = NatsNames.leaseKey("EventNotifier", "policy-watcher");
    assertThat(plain).isEqualTo("EventNotifier.policy-watcher");
    assertThat(NatsNames.leaseKey("a.b", "c")).isNotEqualTo(NatsNames.leaseKey("a", "b.c"));
    assertThat(NatsNames.leaseKey("a=2E", "c")).isNotEqualTo(NatsNames.leaseKey("a.", "c"));
    assertThat(NatsNames.leaseKey("Zürich chan*", "e l/e>c")).matches("[-/_=.a-zA-Z0-9]+");
  }

  @Test
  void aChannelsStreamNameIsPrefixedAndEscapedToWhatStreamNamesAllow() {
    assertThat(NatsNames.streamName("EventNotifier")).isEqualTo("opal4j_EventNotifier");
    assertThat(NatsNames.streamName("opal.events")).isEqualTo("opal4j_opal=2Eevents");
    assertThat(NatsNames.streamName("a.b")).isNotEqualTo(NatsNames.streamName("a=2Eb"));
  }

  private static void assertSubjectRefused(String channel, String why) {
    assertThatThrownBy(() -> NatsNames.subject(channel))
        .as(channel)
        .isInstanceOf(BroadcastConfigurationException.class)
        .hasMessageContaining(why);
  }
}
