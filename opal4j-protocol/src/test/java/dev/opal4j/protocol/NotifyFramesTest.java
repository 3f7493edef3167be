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
  void theUtf8PartsJoinedAreTheFrame() {
    NotifyFrames.Prepared p = NotifyFrames.Prepared.of("tøpic", "{\"x\": \"ünïcode\"}");
    String sub = Ids.uuidHex();
    String subscriber = Ids.uuidHex();
    String call = Ids.uuidHex();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(NotifyFrames.HEAD_UTF8);
    out.writeBytes(sub.getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(NotifyFrames.BETWEEN_IDS_UTF8);
    out.writeBytes(subscriber.getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(p.middleUtf8());
    out.writeBytes(call.getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(NotifyFrames.TAIL_UTF8);
    assertThat(out.toByteArray()).isEqualTo(p.frame(sub, subscriber, call).getBytes(StandardCharsets.UTF_8));
    assertThat((long) out.size()).isEqualTo(p.frameBytes(32));
  }

  @Test
  void idsWrittenAsBytesLookLikePythonsUuid4Hex() {
    byte[] out = new byte[40];
    Ids.uuidHexInto(out, 4);
    assertThat(new String(out, 4, 32, StandardCharsets.US_ASCII)).matches("[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}");
    assertThat(out[3]).isZero();
    assertThat(out[36]).isZero();
  }

  @Test
  void idsLookLikePythonsUuid4Hex() {
    assertThat(Ids.uuidHex()).matches("[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}");
    assertThat(Ids.secureUuidHex()).matches("[0-9a-f]{32}");
  }
}
