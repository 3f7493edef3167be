package dev.opal4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FrameScannerTest {
  private static final String NOTIFY = "{\"request\": {\"method\": \"notify\", \"arguments\": {\"subscription\": {\"id\": \"aa\", "
      + "\"subscriber_id\": \"bb\", \"topic\": \"policy_data\", \"notifier_id\": null}, \"data\": {\"id\": null, \"entries\": "
      + "[{\"data\": {\"opal4j_bench_run\": 42, \"opal4j_bench_seq\": 7, \"opal4j_bench_ts\": 123456789, \"call_id\": \"decoy\"}}]}}, "
      + "\"call_id\": \"0123456789abcdef0123456789abcdef\"}, \"response\": null}";

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void recognisesANotifyRequestWithPythonOrCompactSeparators() {
    assertThat(FrameScanner.isNotify(b(NOTIFY), b(NOTIFY).length)).isTrue();
    String compact = "{\"request\":{\"method\":\"notify\",\"arguments\":{},\"call_id\":\"x\"}}";
    assertThat(FrameScanner.isNotify(b(compact), b(compact).length)).isTrue();
  }

  @Test
  void doesNotTakeResponsesOrOtherMethodsForNotifies() {
    String response = "{\"request\": null, \"response\": {\"result\": true, \"result_type\": \"bool\", \"call_id\": \"sub-1\"}}";
    String ping = "{\"request\": {\"method\": \"_ping_\", \"arguments\": {}, \"call_id\": \"p\"}, \"response\": null}";
    String notifyPrefix = "{\"request\": {\"method\": \"notifyAll\", \"arguments\": {}, \"call_id\": \"p\"}}";
    assertThat(FrameScanner.isNotify(b(response), b(response).length)).isFalse();
    assertThat(FrameScanner.isNotify(b(ping), b(ping).length)).isFalse();
    assertThat(FrameScanner.isNotify(b(notifyPrefix), b(notifyPrefix).length)).isFalse();
  }

  @Test
  void takesTheEnvelopesCallIdNotOneInsideTheData() {
    byte[] frame = b(NOTIFY);
    long span = FrameScanner.callIdSpan(frame, frame.length);
    String id = new String(frame, (int) (span >>> 32), (int) span - (int) (span >>> 32), StandardCharsets.US_ASCII);
    assertThat(id).isEqualTo("0123456789abcdef0123456789abcdef");
  }

  @Test
  void reportsNoCallIdWhenItIsNullOrEscaped() {
    String nullId = "{\"request\": {\"method\": \"notify\", \"call_id\": null}}";
    String escaped = "{\"request\": {\"method\": \"notify\", \"call_id\": \"a\\\"b\"}}";
    assertThat(FrameScanner.callIdSpan(b(nullId), b(nullId).length)).isEqualTo(-1);
    assertThat(FrameScanner.callIdSpan(b(escaped), b(escaped).length)).isEqualTo(-1);
  }

  @Test
  void readsTheBenchMarkersOutOfTheData() {
    byte[] frame = b(NOTIFY);
    assertThat(FrameScanner.longValue(frame, frame.length, BenchPayload.RUN_NEEDLE, -1)).isEqualTo(42);
    assertThat(FrameScanner.longValue(frame, frame.length, BenchPayload.SEQ_NEEDLE, -1)).isEqualTo(7);
    assertThat(FrameScanner.longValue(frame, frame.length, BenchPayload.TS_NEEDLE, -1)).isEqualTo(123456789);
  }

  @Test
  void reportsMissingForAbsentOrNonNumericMarkers() {
    String s = "{\"opal4j_bench_seq\": \"7\"}";
    assertThat(FrameScanner.longValue(b(s), b(s).length, BenchPayload.SEQ_NEEDLE, -1)).isEqualTo(-1);
    assertThat(FrameScanner.longValue(b(s), b(s).length, BenchPayload.TS_NEEDLE, -1)).isEqualTo(-1);
  }

  @Test
  void findsTheMarkersInWhatThePayloadBuilderProduces() {
    BenchPayload payload = new BenchPayload(99, "policy_data", 16);
    byte[] data = b(payload.dataUpdate(5, 1_000_000_000_123L));
    assertThat(FrameScanner.longValue(data, data.length, BenchPayload.RUN_NEEDLE, -1)).isEqualTo(99);
    assertThat(FrameScanner.longValue(data, data.length, BenchPayload.SEQ_NEEDLE, -1)).isEqualTo(5);
    assertThat(FrameScanner.longValue(data, data.length, BenchPayload.TS_NEEDLE, -1)).isEqualTo(1_000_000_000_123L);
  }
}
