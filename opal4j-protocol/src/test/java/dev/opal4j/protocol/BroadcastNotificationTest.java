package dev.opal4j.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BroadcastNotificationTest {
  @Test
  void encodesOpalsFormatWithTheSequenceAsAnExtraMember() {
    String text = new BroadcastNotification("9a9a", List.of("policy_data"), "{\"id\": null}", 7).encode();
    assertThat(text).isEqualTo("{\"notifier_id\": \"9a9a\", \"topics\": [\"policy_data\"], \"data\": {\"id\": null}, \"opal4j_seq\": 7}");
  }

  @Test
  void decodesAPythonPeersMessageIgnoringUnknownMembers() throws Exception {
    BroadcastNotification n = BroadcastNotification.decode(
        "{\"notifier_id\": \"abc\", \"topics\": [\"a\", \"b\"], \"data\": {\"k\": [1, 2]}, \"future\": true}");
    assertThat(n.notifierId()).isEqualTo("abc");
    assertThat(n.topics()).containsExactly("a", "b");
    assertThat(n.dataJson()).isEqualTo("{\"k\":[1,2]}");
    assertThat(n.sequence()).isEqualTo(-1);
  }

  @Test
  void missingDataAndNotifierAreTolerated() throws Exception {
    BroadcastNotification n = BroadcastNotification.decode("{\"topics\": [\"webhook\"]}");
    assertThat(n.notifierId()).isNull();
    assertThat(n.dataJson()).isEqualTo("null");
  }

  @Test
  void roundTripsThroughEncodeAndDecode() throws Exception {
    BroadcastNotification n = new BroadcastNotification("id", List.of("t"), "{\"a\":\"é\"}", 3);
    assertThat(BroadcastNotification.decode(n.encode())).isEqualTo(n);
  }

  @Test
  void messagesWithoutTopicsAreRejectedWithAReason() {
    assertThatThrownBy(() -> BroadcastNotification.decode("{\"data\": 1}")).hasMessageContaining("'topics'");
    assertThatThrownBy(() -> BroadcastNotification.decode("not json")).hasMessageContaining("not valid JSON");
  }
}
