package dev.opal4j.client;

/**
 * How a subscriber's connection ended.
 *
 * @param code the websocket close code: the server's code when it closed ({@code remote}), our own
 *     when we closed (1000 on {@link OpalSubscriber#close()}; on protocol problems 1003 binary frame,
 *     1007 invalid JSON, 1008 RPC violation, 1009 message over the limit, 1011 ping timeout; java.net.http
 *     cannot send 1003/1007/1009, so those go out as 1008 with the reason saying why),
 *     {@value #ABNORMAL} when the connection broke without a close frame
 * @param reason the close reason or error description (never null)
 * @param remote true when the server sent the close frame first
 */
public record CloseStatus(int code, String reason, boolean remote) {
  /** RFC 6455's "closed abnormally" (no close frame): connection reset, I/O error. */
  public static final int ABNORMAL = 1006;

  @Override
  public String toString() {
    return code + (reason.isEmpty() ? "" : " (" + reason + ")") + (remote ? " from server" : "");
  }
}
