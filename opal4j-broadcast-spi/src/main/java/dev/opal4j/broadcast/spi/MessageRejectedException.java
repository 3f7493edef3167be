package dev.opal4j.broadcast.spi;

/**
 * The backbone will never accept this message (for example it exceeds Postgres' 8000-byte NOTIFY
 * limit). Retrying it is pointless; it must be reported and counted, never silently dropped.
 */
public class MessageRejectedException extends BroadcastException {
  private static final long serialVersionUID = 1L;
  public MessageRejectedException(String message, Throwable cause) {
    super(message, cause);
  }

  public MessageRejectedException(String message) {
    super(message, null);
  }
}
