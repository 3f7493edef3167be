package dev.opal4j.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NotifyFramesTest {
  @Test
  void notifyFrameMatchesTheUpstreamShapeByteForByte() {
    String frame = NotifyFrames.Prepared.of("policy_data", "{\"id\": null}").frame("s1", "sub1", "c1");
    assertThat(frame).isEqualTo("{\"request\": {\"method\": \"notify\", \"arguments\": {\"subscription\": {\"id\": \"s1\","
        + " \"subscriber_id\": \"sub1\", \"topic\": \"policy_data\", \"notifier_id\": null}, \"data\": {\"id\": null}},"
        + " \"call_id\": \"c1\"}, \"response\": null}");
  }

  @Test
  void topicsAreEscapedAndTheFrameIsValidJson() throws Exception {
    String frame = NotifyFrames.Prepared.of("we\"ird\\tópic", "[1]").frame("a", "b", "c");
    assertThat(Json.parse(frame).at("/request/arguments/subscription/topic").asText()).isEqualTo("we\"ird\\tópic");
  }

  @Test
  void predictedFrameSizeIsExactForThirtyTwoCharacterIds() {
    NotifyFrames.Prepared p = NotifyFrames.Prepared.of("tøpic", "{\"x\": \"ünïcode\"}");
    String id = Ids.uuidHex();
    assertThat(p.frameBytes(32)).isEqualTo(p.frame(id, id, id).getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void idsLookLikePythonsUuid4Hex() {
    assertThat(Ids.uuidHex()).matches("[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}");
    assertThat(Ids.secureUuidHex()).matches("[0-9a-f]{32}");
  }
}
