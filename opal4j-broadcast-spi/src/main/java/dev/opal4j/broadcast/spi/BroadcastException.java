package dev.opal4j.broadcast.spi;

/** Base of every backbone failure. Messages never contain credentials. */
public abstract class BroadcastException extends Exception {
  private static final long serialVersionUID = 1L;
  protected BroadcastException(String message, Throwable cause) {
    super(message, cause);
  }
}
