package dev.opal4j.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One decoded frame of OPAL's RPC envelope: either a request or a response. */
public sealed interface RpcMessage {

  /** A call: {@code {"method", "arguments", "call_id"}}. {@code arguments} is never null. */
  record Request(String method, ObjectNode arguments, String callId) implements RpcMessage {}

  /** An answer: {@code {"result", "result_type", "call_id"}}. */
  record Response(JsonNode result, String resultType, String callId) implements RpcMessage {}
}
