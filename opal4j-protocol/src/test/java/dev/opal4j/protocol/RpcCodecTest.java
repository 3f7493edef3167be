package dev.opal4j.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RpcCodecTest {
  @Test
  void decodesThePythonClientsSubscribeFrame() throws Exception {
    RpcMessage m = RpcCodec.decode("{\"request\": {\"method\": \"subscribe\", \"arguments\": {\"topics\": [\"policy_data\"]},"
        + " \"call_id\": \"6a0f\"}, \"response\": null}");
    assertThat(m).isInstanceOf(RpcMessage.Request.class);
    RpcMessage.Request r = (RpcMessage.Request) m;
    assertThat(r.method()).isEqualTo("subscribe");
    assertThat(r.callId()).isEqualTo("6a0f");
    assertThat(r.arguments().get("topics").get(0).asText()).isEqualTo("policy_data");
  }

  @Test
  void missingArgumentsDefaultToAnEmptyObject() throws Exception {
    RpcMessage.Request r = (RpcMessage.Request) RpcCodec.decode("{\"request\": {\"method\": \"_ping_\", \"call_id\": \"1\"}}");
    assertThat(r.arguments().isEmpty()).isTrue();
  }

  @Test
  void decodesAClientResponse() throws Exception {
    RpcMessage m = RpcCodec.decode("{\"request\": null, \"response\": {\"result\": \"None\", \"result_type\": \"str\", \"call_id\": \"x\"}}");
    assertThat(m).isEqualTo(new RpcMessage.Response(com.fasterxml.jackson.databind.node.TextNode.valueOf("None"), "str", "x"));
  }

  @Test
  void invalidJsonIsRefusedWith1007() {
    assertThatThrownBy(() -> RpcCodec.decode("{\"request\": "))
        .isInstanceOf(ProtocolException.class)
        .hasMessageStartingWith("frame is not valid JSON")
        .satisfies(e -> assertThat(((ProtocolException) e).closeCode()).isEqualTo(CloseCodes.INVALID_PAYLOAD));
  }

  @Test
  void nullArgumentsAreRefusedWith1008NamingTheMember() {
    assertThatThrownBy(() -> RpcCodec.decode("{\"request\": {\"method\": \"subscribe\", \"arguments\": null}}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("'request.arguments' must be an object, got null")
        .satisfies(e -> assertThat(((ProtocolException) e).closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION));
  }

  @Test
  void framesThatAreNotEnvelopesAreRefused() {
    assertThatThrownBy(() -> RpcCodec.decode("[1,2]")).hasMessageContaining("must be a JSON object");
    assertThatThrownBy(() -> RpcCodec.decode("{}")).hasMessageContaining("neither a 'request' nor a 'response'");
    assertThatThrownBy(() -> RpcCodec.decode("{\"request\": {\"method\": 5}}")).hasMessageContaining("'request.method' must be a string");
    assertThatThrownBy(() -> RpcCodec.decode("{\"request\": {\"method\": \"x\", \"call_id\": 5}}")).hasMessageContaining("'call_id'");
  }

  @Test
  void deeplyNestedJsonIsRefusedWithoutAStackOverflow() {
    String deep = "[".repeat(100_000);
    assertThatThrownBy(() -> RpcCodec.decode("{\"request\": {\"method\": \"publish\", \"arguments\": {\"data\": " + deep + "}}}"))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void responsesAreByteIdenticalToPydanticV1() {
    assertThat(RpcCodec.boolResponse("6a0f", true))
        .isEqualTo("{\"request\": null, \"response\": {\"result\": true, \"result_type\": \"bool\", \"call_id\": \"6a0f\"}}");
    assertThat(RpcCodec.strResponse("c1", "pong"))
        .isEqualTo("{\"request\": null, \"response\": {\"result\": \"pong\", \"result_type\": \"str\", \"call_id\": \"c1\"}}");
  }

  @Test
  void requestFramesAlwaysCarryAnArgumentsObject() {
    assertThat(RpcCodec.request("_ping_", Json.object(), "id1"))
        .isEqualTo("{\"request\": {\"method\": \"_ping_\", \"arguments\": {}, \"call_id\": \"id1\"}, \"response\": null}");
  }

  @Test
  void thePythonClientsNotifyAnswerTakesTheFastPathAndDecodesLikeTheParserWould() throws Exception {
    String ack = "{\"request\": null, \"response\": {\"result\": \"None\", \"result_type\": \"str\","
        + " \"call_id\": \"0123456789abcdef0123456789abcdef\"}}";
    org.assertj.core.api.Assertions.assertThat(RpcCodec.isPlainNotifyAck(ack)).isTrue();
    RpcMessage.Response fast = (RpcMessage.Response) RpcCodec.decode(ack);
    org.assertj.core.api.Assertions.assertThat(fast.callId()).isEqualTo("0123456789abcdef0123456789abcdef");
    org.assertj.core.api.Assertions.assertThat(fast.result().asText()).isEqualTo("None");
    org.assertj.core.api.Assertions.assertThat(fast.resultType()).isEqualTo("str");
  }

  @Test
  void anythingThatOnlyLooksLikeTheNotifyAnswerIsParsedInFull() {
    String broken = "{\"request\": null, \"response\": {\"result\": \"None\", \"result_type\": \"str\","
        + " \"call_id\": \"abc\"}}}";
    String quoteInId = "{\"request\": null, \"response\": {\"result\": \"None\", \"result_type\": \"str\","
        + " \"call_id\": \"a\"b\"}}";
    org.assertj.core.api.Assertions.assertThat(RpcCodec.isPlainNotifyAck(broken)).isFalse();
    org.assertj.core.api.Assertions.assertThat(RpcCodec.isPlainNotifyAck(quoteInId)).isFalse();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RpcCodec.decode(quoteInId))
        .isInstanceOf(ProtocolException.class);
  }
}
