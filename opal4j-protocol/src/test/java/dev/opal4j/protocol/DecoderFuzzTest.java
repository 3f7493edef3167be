package dev.opal4j.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property-based fuzzing of everything that parses untrusted input: every input either decodes or
 * is rejected with a {@link ProtocolException}/{@link ValidationException} that carries a reason —
 * never another exception, never a hang. The number of tries per property is jqwik's
 * {@code jqwik.tries.default} (10 000 in CI; SECURITY.md shows how to run 1 000 000).
 */
class DecoderFuzzTest {
  @Provide
  Arbitrary<String> frames() {
    Arbitrary<String> junk = Arbitraries.strings().ofMaxLength(200);
    Arbitrary<String> jsonish = Arbitraries.strings().withChars("{}[]\":,0123456789.eE+-truefalsnul \\abc").ofMaxLength(120);
    Arbitrary<String> method = Arbitraries.of("subscribe", "publish", "_ping_", "notify", "", "x");
    Arbitrary<String> value = Arbitraries.of("null", "{}", "[]", "1", "\"s\"", "true", "{\"topics\": [\"a\"]}", "[1,{}]");
    Arbitrary<String> envelopes = net.jqwik.api.Combinators.combine(method, value, value, value).as(
        (m, args, id, resp) -> "{\"request\": {\"method\": \"" + m + "\", \"arguments\": " + args + ", \"call_id\": " + id
            + "}, \"response\": " + resp + "}");
    return Arbitraries.oneOf(junk, jsonish, envelopes);
  }

  @Property
  void rpcDecoderEitherDecodesOrRejectsWithAReason(@ForAll("frames") String frame) {
    try {
      RpcMessage m = RpcCodec.decode(frame);
      assertThat(m).isNotNull();
      if (m instanceof RpcMessage.Request r) {
        assertThat(r.arguments()).isNotNull();
      }
    } catch (ProtocolException e) {
      assertThat(e.getMessage()).isNotBlank();
      assertThat(e.closeCode()).isIn(CloseCodes.INVALID_PAYLOAD, CloseCodes.POLICY_VIOLATION);
    }
  }

  @Property
  void backboneDecoderEitherDecodesOrRejectsWithAReason(@ForAll("frames") String message) {
    try {
      BroadcastNotification n = BroadcastNotification.decode(message);
      assertThat(n.topics()).isNotNull();
      assertThat(n.dataJson()).isNotNull();
    } catch (ProtocolException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  @Provide
  Arbitrary<String> updates() {
    Arbitrary<String> v = Arbitraries.of("null", "\"\"", "\"PUT\"", "\"PATCH\"", "1", "{}", "[]", "[{\"op\": \"add\", \"path\": \"/a\"}]",
        "[{\"op\": \"remove\", \"path\": \"/a\"}]", "[\"t\"]", "{\"a\": [1]}", "\"policy_data/x\"");
    Arbitrary<String> entry = net.jqwik.api.Combinators.combine(v, v, v, v, v).as(
        (url, topics, data, method, config) -> "{\"url\": " + url + ", \"topics\": " + topics + ", \"data\": " + data
            + ", \"save_method\": " + method + ", \"config\": " + config + "}");
    return net.jqwik.api.Combinators.combine(entry.list().ofMaxSize(3), v, v).as(
        (entries, reason, callback) -> "{\"entries\": [" + String.join(", ", entries) + "], \"reason\": " + reason
            + ", \"callback\": " + callback + "}");
  }

  @Property
  void dataUpdateValidationEitherNormalizesOrNamesEveryBadField(@ForAll("updates") String body) throws Exception {
    try {
      DataUpdates.Expanded e = DataUpdates.normalizeAndExpand(Json.parse(body), "policy_data");
      assertThat(e.update().get("entries").isArray()).isTrue();
      e.update().get("entries").forEach(entry -> assertThat(entry.get("topics").isArray()).isTrue());
    } catch (ValidationException e) {
      assertThat(e.errors()).isNotEmpty();
      e.errors().forEach(err -> assertThat(err.loc()).isNotEmpty());
    }
  }
}
