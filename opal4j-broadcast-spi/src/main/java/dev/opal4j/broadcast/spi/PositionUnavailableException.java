package dev.opal4j.broadcast.spi;

/**
 * The backbone is reachable but no longer holds the messages after the position a {@link
 * ResumableBroadcaster} was asked to resume from: retention deleted them, the topic was deleted and
 * recreated, or the position belongs to another log (another cluster, an unreadable value).
 * Resuming is impossible; the caller subscribes afresh with {@link Broadcaster#connect()} and
 * treats what it may have missed as a gap (its clients resync). Distinct from {@link
 * BackboneUnavailableException}, after which the same resume may succeed later.
 */
public class PositionUnavailableException extends BroadcastException {
  private static final long serialVersionUID = 1L;
  public PositionUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public PositionUnavailableException(String message) {
    super(message, null);
  }
}
