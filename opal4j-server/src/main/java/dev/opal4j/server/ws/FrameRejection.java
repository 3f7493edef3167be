package dev.opal4j.server.ws;

import dev.opal4j.protocol.CloseCodes;

/**
 * A pipeline handler's verdict that the client broke the websocket protocol or a limit: the session
 * closes with {@link #code()} and {@link #reason()}, and since the frame stream can no longer be
 * trusted, drops the connection once the close frame is written.
 */
final class FrameRejection extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final CloseCodes code;

  FrameRejection(CloseCodes code, String reason) {
    super(reason, null, false, false);
    this.code = code;
  }

  CloseCodes code() {
    return code;
  }

  String reason() {
    return getMessage();
  }
}
