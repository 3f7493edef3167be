package dev.opal4j.broadcast.spi;

/** The broadcast settings can never work (unknown scheme, malformed URI, bad option). */
public class BroadcastConfigurationException extends BroadcastException {
  private static final long serialVersionUID = 1L;
  public BroadcastConfigurationException(String message, Throwable cause) {
    super(message, cause);
  }

  public BroadcastConfigurationException(String message) {
    super(message, null);
  }
}
