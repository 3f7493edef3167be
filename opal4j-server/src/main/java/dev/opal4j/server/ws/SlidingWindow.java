package dev.opal4j.server.ws;

import io.netty.buffer.ByteBuf;
import java.util.zip.Inflater;

/**
 * The last {@code size} bytes a client sent, inflated: its deflate window, which its next
 * compressed message may refer back into (RFC 7692 context takeover). Allocated on first use, so
 * a connection that never sends a compressed message holds only this empty shell.
 *
 * <p>Not thread-safe: owned by one connection's handler.
 */
final class SlidingWindow {
  private final int size;
  private byte[] bytes;
  private int length;

  SlidingWindow(int size) {
    this.size = size;
  }

  /** Appends the readable bytes of {@code data} (its indexes unchanged), keeping only the last {@code size}. */
  void append(ByteBuf data) {
    int n = data.readableBytes();
    if (n == 0) {
      return;
    }
    if (bytes == null) {
      bytes = new byte[size];
    }
    if (n >= size) {
      data.getBytes(data.writerIndex() - size, bytes, 0, size);
      length = size;
      return;
    }
    int keep = Math.min(length, size - n);
    System.arraycopy(bytes, length - keep, bytes, 0, keep);
    data.getBytes(data.readerIndex(), bytes, keep, n);
    length = keep + n;
  }

  /** Gives a fresh raw inflater the window as its dictionary (zlib allows this at any time for raw streams). */
  void setAsDictionary(Inflater inflater) {
    if (length > 0) {
      inflater.setDictionary(bytes, 0, length);
    }
  }
}
