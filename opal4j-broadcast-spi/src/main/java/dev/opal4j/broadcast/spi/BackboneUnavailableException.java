package dev.opal4j.broadcast.spi;

/** The backbone cannot be reached right now; the same operation may succeed later. */
public class BackboneUnavailableException extends BroadcastException {
  private static final long serialVersionUID = 1L;
  public BackboneUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public BackboneUnavailableException(String message) {
    super(message, null);
  }
}
