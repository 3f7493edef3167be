package dev.opal4j.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Decodes and encodes fastapi_websocket_rpc's envelope {@code {"request": …, "response": …}}.
 * Frames built here use Python's separators ({@code ", "} and {@code ": "}) so they are
 * byte-identical to pydantic v1's output; parsing accepts any valid JSON.
 */
public final class RpcCodec {
  private RpcCodec() {}

  /**
   * Decodes one text frame.
   *
   * @throws ProtocolException with {@link CloseCodes#INVALID_PAYLOAD} for text that is not JSON,
   *     {@link CloseCodes#POLICY_VIOLATION} for JSON that is not a valid envelope (the message says
   *     which member is wrong)
   */
  public static RpcMessage decode(String text) throws ProtocolException {
    if (isPlainNotifyAck(text)) {
      return new RpcMessage.Response(NONE_RESULT, "str",
          text.substring(ACK_PREFIX.length(), text.length() - ACK_SUFFIX.length()));
    }
    JsonNode root;
    try {
      root = Json.parse(text);
    } catch (JsonProcessingException e) {
      throw new ProtocolException(
          CloseCodes.INVALID_PAYLOAD, "frame is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new ProtocolException(
          CloseCodes.POLICY_VIOLATION, "frame must be a JSON object with a 'request' or 'response' member");
    }
    JsonNode request = root.get("request");
    JsonNode response = root.get("response");
    if (request != null && !request.isNull()) {
      return decodeRequest(request);
    }
    if (response != null && !response.isNull()) {
      return decodeResponse(response);
    }
    throw new ProtocolException(
        CloseCodes.POLICY_VIOLATION, "frame has neither a 'request' nor a 'response' object");
  }

  private static final String ACK_PREFIX =
      "{\"request\": null, \"response\": {\"result\": \"None\", \"result_type\": \"str\", \"call_id\": \"";
  private static final String ACK_SUFFIX = "\"}}";
  private static final JsonNode NONE_RESULT = com.fasterxml.jackson.databind.node.TextNode.valueOf("None");

  /**
   * Whether a frame is, to the byte, the Python client's answer to a notify (the frame a server
   * receives once per delivery). Such a frame is valid JSON by construction, so it skips the tree
   * parser — the profile of a 10k-subscriber fan-out showed that parsing these answers cost more
   * than writing the notifications. Any other spelling takes the full parser.
   */
  static boolean isPlainNotifyAck(String text) {
    int idEnd = text.length() - ACK_SUFFIX.length();
    if (idEnd <= ACK_PREFIX.length() || !text.startsWith(ACK_PREFIX) || !text.endsWith(ACK_SUFFIX)) {
      return false;
    }
    for (int i = ACK_PREFIX.length(); i < idEnd; i++) {
      char c = text.charAt(i);
      boolean idChar = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
      if (!idChar) {
        return false;
      }
    }
    return true;
  }

  private static RpcMessage.Request decodeRequest(JsonNode request) throws ProtocolException {
    if (!request.isObject()) {
      throw new ProtocolException(CloseCodes.POLICY_VIOLATION, "'request' must be an object");
    }
    JsonNode method = request.get("method");
    if (method == null || !method.isTextual()) {
      throw new ProtocolException(CloseCodes.POLICY_VIOLATION, "'request.method' must be a string");
    }
    JsonNode arguments = request.get("arguments");
    ObjectNode args;
    if (arguments == null) {
      args = Json.object();
    } else if (arguments.isObject()) {
      args = (ObjectNode) arguments;
    } else {
      throw new ProtocolException(
          CloseCodes.POLICY_VIOLATION,
          "'request.arguments' must be an object, got " + describe(arguments));
    }
    return new RpcMessage.Request(method.textValue(), args, callId(request));
  }

  private static RpcMessage.Response decodeResponse(JsonNode response) throws ProtocolException {
    if (!response.isObject()) {
      throw new ProtocolException(CloseCodes.POLICY_VIOLATION, "'response' must be an object");
    }
    JsonNode type = response.get("result_type");
    String resultType = type == null || type.isNull() ? null : type.asText();
    JsonNode result = response.get("result");
    return new RpcMessage.Response(result, resultType, callId(response));
  }

  private static String callId(JsonNode node) throws ProtocolException {
    JsonNode id = node.get("call_id");
    if (id == null || id.isNull()) {
      return null;
    }
    if (!id.isTextual()) {
      throw new ProtocolException(CloseCodes.POLICY_VIOLATION, "'call_id' must be a string or null");
    }
    return id.textValue();
  }

  static String describe(JsonNode node) {
    return node.isNull() ? "null" : node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  /** A response frame; {@code resultType} follows Python: {@code "bool"}, {@code "str"}. */
  public static String response(String callId, String resultJson, String resultType) {
    StringBuilder sb = new StringBuilder(96 + resultJson.length());
    sb.append("{\"request\": null, \"response\": {\"result\": ").append(resultJson);
    sb.append(", \"result_type\": ");
    Json.appendQuoted(sb, resultType);
    sb.append(", \"call_id\": ");
    if (callId == null) {
      sb.append("null");
    } else {
      Json.appendQuoted(sb, callId);
    }
    return sb.append("}}").toString();
  }

  public static String boolResponse(String callId, boolean result) {
    return response(callId, result ? "true" : "false", "bool");
  }

  public static String strResponse(String callId, String result) {
    return response(callId, Json.quote(result), "str");
  }

  /** A request frame with the given arguments object. */
  public static String request(String method, ObjectNode arguments, String callId) {
    StringBuilder sb = new StringBuilder(128);
    sb.append("{\"request\": {\"method\": ");
    Json.appendQuoted(sb, method);
    sb.append(", \"arguments\": ").append(PythonJson.write(arguments)).append(", \"call_id\": ");
    Json.appendQuoted(sb, callId);
    return sb.append("}, \"response\": null}").toString();
  }
}
