package dev.opal4j.protocol;

/**
 * Every websocket close code opal4j sends, in one place, with what the peer should do. The Python
 * OPAL client reconnects on any close; the meaning matters for logs, metrics and other clients.
 */
public enum CloseCodes {
  /** The server is shutting the session down normally. Reconnect. */
  NORMAL(1000),
  /** The server process is stopping. Reconnect (to another worker). */
  GOING_AWAY(1001),
  /** A frame that breaks the websocket protocol itself (unmasked, bad opcode, bad fragmentation). Fix the client. */
  PROTOCOL_ERROR(1002),
  /** A binary frame arrived; OPAL's RPC uses text frames only. Fix the client. */
  UNSUPPORTED_DATA(1003),
  /** A text frame that is not valid JSON (or not valid UTF-8). Fix the client. */
  INVALID_PAYLOAD(1007),
  /** Well-formed JSON that breaks the RPC contract (unknown method, bad arguments). Fix the client. */
  POLICY_VIOLATION(1008),
  /** A frame larger than the server's inbound limit. */
  MESSAGE_TOO_BIG(1009),
  /** The peer stopped answering protocol pings, or the server hit an unexpected error. */
  INTERNAL_ERROR(1011),
  /** Resync: the backbone had a gap; reconnect now and re-fetch policy and data. */
  SERVICE_RESTART(1012),
  /** The client could not keep up (outbound queue overflow) or the node is at capacity; reconnect and re-fetch. */
  TRY_AGAIN_LATER(1013);

  private final int code;

  CloseCodes(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
