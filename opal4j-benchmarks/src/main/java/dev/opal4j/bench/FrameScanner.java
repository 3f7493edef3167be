package dev.opal4j.bench;

import java.nio.charset.StandardCharsets;

/**
 * Byte-level lookups in one RPC text frame, for the subscriber's hot path: a notify is answered
 * and measured without building a String or a JSON tree. The lookups are tolerant of JSON
 * whitespace (Python's {@code ": "} separators as well as compact output) but assume the frame is
 * a well-formed RPC envelope; anything unusual goes to the slow path ({@link
 * dev.opal4j.protocol.RpcCodec}). Stateless and thread-safe.
 */
final class FrameScanner {
  static final byte[] METHOD_KEY = ascii("\"method\"");
  static final byte[] NOTIFY_VALUE = ascii("\"notify\"");
  static final byte[] CALL_ID_KEY = ascii("\"call_id\"");

  private FrameScanner() {}

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Index of {@code needle} in {@code b[from, to)}, or -1. */
  static int indexOf(byte[] b, int from, int to, byte[] needle) {
    int last = to - needle.length;
    byte first = needle[0];
    outer:
    for (int i = Math.max(0, from); i <= last; i++) {
      if (b[i] != first) {
        continue;
      }
      for (int j = 1; j < needle.length; j++) {
        if (b[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Index of the last {@code needle} in {@code b[0, to)}, or -1. */
  static int lastIndexOf(byte[] b, int to, byte[] needle) {
    byte first = needle[0];
    outer:
    for (int i = to - needle.length; i >= 0; i--) {
      if (b[i] != first) {
        continue;
      }
      for (int j = 1; j < needle.length; j++) {
        if (b[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Index of the first byte of the value of the member whose quoted key ends before {@code afterKey}, or -1. */
  static int valueStart(byte[] b, int len, int afterKey) {
    int i = skipWhitespace(b, len, afterKey);
    if (i >= len || b[i] != ':') {
      return -1;
    }
    i = skipWhitespace(b, len, i + 1);
    return i < len ? i : -1;
  }

  private static int skipWhitespace(byte[] b, int len, int i) {
    while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) {
      i++;
    }
    return i;
  }

  /** True if the frame is a request whose (first) method member is {@code "notify"}. */
  static boolean isNotify(byte[] b, int len) {
    int k = indexOf(b, 0, len, METHOD_KEY);
    if (k < 0) {
      return false;
    }
    int v = valueStart(b, len, k + METHOD_KEY.length);
    return v >= 0 && v + NOTIFY_VALUE.length <= len && indexOf(b, v, v + NOTIFY_VALUE.length, NOTIFY_VALUE) == v;
  }

  /**
   * The string value of the frame's last {@code call_id} member (the envelope's own; data comes
   * before it) as {@code start << 32 | end} of its unescaped content, or -1 if absent, null or not
   * a plain string.
   */
  static long callIdSpan(byte[] b, int len) {
    int k = lastIndexOf(b, len, CALL_ID_KEY);
    if (k < 0) {
      return -1;
    }
    int v = valueStart(b, len, k + CALL_ID_KEY.length);
    if (v < 0 || b[v] != '"') {
      return -1;
    }
    int start = v + 1;
    for (int i = start; i < len; i++) {
      if (b[i] == '\\') {
        return -1; // ids are hex in every OPAL implementation; an escaped one takes the slow path
      }
      if (b[i] == '"') {
        return ((long) start << 32) | i;
      }
    }
    return -1;
  }

  /** The integer value of the first member with the given quoted key, or {@code missing}. */
  static long longValue(byte[] b, int len, byte[] quotedKey, long missing) {
    return longValue(b, len, 0, quotedKey, missing);
  }

  /** As {@link #longValue(byte[], int, byte[], long)}, looking from {@code from} on. */
  static long longValue(byte[] b, int len, int from, byte[] quotedKey, long missing) {
    int k = indexOf(b, from, len, quotedKey);
    if (k < 0) {
      return missing;
    }
    int i = valueStart(b, len, k + quotedKey.length);
    if (i < 0) {
      return missing;
    }
    boolean negative = b[i] == '-';
    if (negative) {
      i++;
    }
    if (i >= len || b[i] < '0' || b[i] > '9') {
      return missing;
    }
    long value = 0;
    while (i < len && b[i] >= '0' && b[i] <= '9') {
      value = value * 10 + (b[i++] - '0');
    }
    return negative ? -value : value;
  }
}
