package dev.opal4j.broadcast.spi;

/** Base of every backbone failure. Messages never contain credentials. */
public abstract class BroadcastException extends Exception {
  protected BroadcastException(String message, Throwable cause) {
    super(message, cause);
  }
}
