package dev.opal4j.client;

import dev.opal4j.protocol.Utf8;

/**
 * Joins the parts of a fragmented websocket text message and enforces the inbound size limit the
 * Python client has ({@code websockets}' {@code max_size}, 1 MiB by default). Not thread-safe: the
 * websocket delivers one part at a time.
 */
final class TextFrameAssembler {
  /** A message exceeded the limit; the rest of it is discarded. */
  static final class TooBigException extends Exception {
    private static final long serialVersionUID = 1L;
    TooBigException(long size, long limit) {
      super("message of at least " + size + " bytes exceeds the limit of " + limit + " bytes");
    }
  }

  private final long maxBytes;
  private final StringBuilder buffer = new StringBuilder();
  private long bytes;
  private boolean discarding;

  /** @param maxBytes the largest message accepted, in UTF-8 bytes; 0 or less means no limit */
  TextFrameAssembler(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /**
   * Adds one part.
   *
   * @return the complete message when {@code last}, otherwise null (also null for the tail of a
   *     message that was already reported as too big)
   * @throws TooBigException the first time a message goes over the limit
   */
  String append(CharSequence part, boolean last) throws TooBigException {
    if (discarding) {
      if (last) {
        discarding = false;
      }
      return null;
    }
    bytes += Utf8.length(part);
    if (maxBytes > 0 && bytes > maxBytes) {
      long seen = bytes;
      reset();
      discarding = !last;
      throw new TooBigException(seen, maxBytes);
    }
    if (last && buffer.isEmpty()) {
      bytes = 0;
      return part.toString();
    }
    buffer.append(part);
    if (!last) {
      return null;
    }
    String message = buffer.toString();
    reset();
    return message;
  }

  private void reset() {
    buffer.setLength(0);
    bytes = 0;
  }
}
