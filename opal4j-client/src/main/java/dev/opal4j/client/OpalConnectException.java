package dev.opal4j.client;

import java.io.IOException;
import java.util.OptionalInt;

/** Connecting or subscribing failed. {@link #kind()} says at which step. */
public final class OpalConnectException extends IOException {
  private static final long serialVersionUID = 1L;
  /** Where the connection attempt stopped. */
  public enum Kind {
    /** No TCP connection (refused, unknown host, unreachable). */
    UNREACHABLE,
    /** The server answered the websocket upgrade with an HTTP error (403: bad or missing token). */
    HANDSHAKE_REJECTED,
    /** The handshake or the {@code subscribe} call did not finish in time. */
    TIMEOUT,
    /** The connection closed before the {@code subscribe} response arrived. */
    CLOSED_DURING_SETUP,
    /** {@code subscribe} returned {@code false} (e.g. topics outside the token's permitted_topics). */
    SUBSCRIPTION_REFUSED
  }

  private final Kind kind;
  private final int httpStatus;

  public OpalConnectException(Kind kind, String message, int httpStatus, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.httpStatus = httpStatus;
  }

  public OpalConnectException(Kind kind, String message, Throwable cause) {
    this(kind, message, -1, cause);
  }

  public Kind kind() {
    return kind;
  }

  /** The HTTP status of a rejected handshake. */
  public OptionalInt httpStatus() {
    return httpStatus < 0 ? OptionalInt.empty() : OptionalInt.of(httpStatus);
  }
}
