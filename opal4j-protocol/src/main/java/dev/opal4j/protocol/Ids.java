package dev.opal4j.protocol;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Ids in the form Python's {@code uuid.uuid4().hex} produces: 32 lower-case hex digits. */
public final class Ids {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Ids() {}

  /** A random (version 4) UUID as 32 hex digits. Fast: no SecureRandom (ids are not secrets). */
  public static String uuidHex() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
    long lo = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
    char[] out = new char[32];
    for (int i = 15; i >= 0; i--) {
      out[i] = HEX[(int) (hi & 0xf)];
      hi >>>= 4;
    }
    for (int i = 31; i >= 16; i--) {
      out[i] = HEX[(int) (lo & 0xf)];
      lo >>>= 4;
    }
    return new String(out);
  }

  /**
   * Writes what {@link #uuidHex()} returns, as 32 ASCII bytes, into {@code out} at {@code offset}:
   * for frames built as bytes, without a String per id.
   */
  public static void uuidHexInto(byte[] out, int offset) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
    long lo = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
    for (int i = 15; i >= 0; i--) {
      out[offset + i] = (byte) HEX[(int) (hi & 0xf)];
      hi >>>= 4;
    }
    for (int i = 31; i >= 16; i--) {
      out[offset + i] = (byte) HEX[(int) (lo & 0xf)];
      lo >>>= 4;
    }
  }

  /** A cryptographically random UUID as 32 hex digits (for ids other parties must not guess). */
  public static String secureUuidHex() {
    return UUID.randomUUID().toString().replace("-", "");
  }
}
