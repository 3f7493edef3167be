package dev.opal4j.testkit.ws;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A websocket client over a raw socket that does what the real OPAL client's library, Python's
 * {@code websockets} (≥ 14, the new asyncio client), does on the wire:
 *
 * <ul>
 *   <li>the same handshake request, offering {@value #PYTHON_DEFLATE_OFFER};
 *   <li>once the server accepts permessage-deflate, every text message it sends is compressed
 *       (RSV1 on the first frame, raw deflate flushed with {@code Z_SYNC_FLUSH}, the trailing
 *       {@code 00 00 ff ff} removed from the final frame; each fragment flushed on its own);
 *   <li>the compression context is kept across messages unless the server's answer says
 *       {@code client_no_context_takeover}, and its window is the {@code client_max_window_bits}
 *       of the server's answer (zlib's {@code wbits}, through JZlib: the JDK's deflater has a fixed
 *       32 KiB window). {@link Options#keepingContextAgainstTheServersAnswer} plays a client that
 *       breaks both rules;
 *   <li>random masks, as every client must.
 * </ul>
 *
 * <p>Besides, it can send raw frames (any opcode, RSV bits, payload) for tests of bad input. Not
 * thread-safe: one test thread drives one instance.
 */
public final class PythonWebSocket implements AutoCloseable {
  /** The offer of {@code websockets}' {@code ClientPerMessageDeflateFactory()} defaults. */
  public static final String PYTHON_DEFLATE_OFFER = "permessage-deflate; client_max_window_bits";
  private static final byte[] SYNC_FLUSH_TAIL = {0, 0, (byte) 0xFF, (byte) 0xFF};
  private static final SecureRandom RANDOM = new SecureRandom();

  /** How to connect. */
  public record Options(String offer, String authorization, boolean ignoreNoContextTakeover, int timeoutMillis) {
    /** Exactly the Python client: deflate offered, no token. */
    public static Options python() {
      return new Options(PYTHON_DEFLATE_OFFER, null, false, 10_000);
    }

    public Options withOffer(String newOffer) {
      return new Options(newOffer, authorization, ignoreNoContextTakeover, timeoutMillis);
    }

    public Options withAuthorization(String value) {
      return new Options(offer, value, ignoreNoContextTakeover, timeoutMillis);
    }

    public Options keepingContextAgainstTheServersAnswer() {
      return new Options(offer, authorization, true, timeoutMillis);
    }
  }

  /** One frame as received. */
  public record Frame(boolean fin, int rsv, int opcode, byte[] payload) {
    public int closeCode() {
      return payload.length < 2 ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
    }

    public String closeReason() {
      return payload.length <= 2 ? "" : new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
    }

    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final Map<String, String> responseHeaders;
  private final String agreedExtension;
  private final boolean resetContextPerMessage;
  private final int windowBits;
  private com.jcraft.jzlib.Deflater deflater;
  private final Inflater inflater = new Inflater(true);

  private PythonWebSocket(Socket socket, Map<String, String> responseHeaders, boolean ignoreNoContextTakeover)
      throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
    this.responseHeaders = responseHeaders;
    this.agreedExtension = responseHeaders.get("sec-websocket-extensions");
    this.resetContextPerMessage = !ignoreNoContextTakeover && agreedExtension != null
        && agreedExtension.toLowerCase(Locale.ROOT).contains("client_no_context_takeover");
    this.windowBits = ignoreNoContextTakeover ? 15 : agreedClientWindowBits(agreedExtension);
    this.deflater = newDeflater(windowBits);
  }

  private static com.jcraft.jzlib.Deflater newDeflater(int windowBits) throws IOException {
    try {
      return new com.jcraft.jzlib.Deflater(com.jcraft.jzlib.JZlib.Z_DEFAULT_COMPRESSION, windowBits, true);
    } catch (com.jcraft.jzlib.GZIPException e) {
      throw new IOException("cannot make a deflater with a " + windowBits + "-bit window", e);
    }
  }

  /** The window the server allowed this client ({@code client_max_window_bits=N}), 15 if it set none. */
  private static int agreedClientWindowBits(String extension) {
    if (extension == null) {
      return 15;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("client_max_window_bits\\s*=\\s*\"?(\\d+)")
        .matcher(extension.toLowerCase(Locale.ROOT));
    return m.find() ? Integer.parseInt(m.group(1)) : 15;
  }

  /** Connects to {@code ws://host:port/path} and completes the handshake; fails unless the answer is 101. */
  public static PythonWebSocket connect(String host, int port, String path, Options options) throws IOException {
    Socket socket = new Socket(host, port);
    try {
      socket.setSoTimeout(options.timeoutMillis());
      socket.setTcpNoDelay(true);
      byte[] nonce = new byte[16];
      RANDOM.nextBytes(nonce);
      String key = Base64.getEncoder().encodeToString(nonce);
      StringBuilder request = new StringBuilder()
          .append("GET ").append(path).append(" HTTP/1.1\r\n")
          .append("Host: ").append(host).append(':').append(port).append("\r\n")
          .append("Upgrade: websocket\r\n")
          .append("Connection: Upgrade\r\n")
          .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
          .append("Sec-WebSocket-Version: 13\r\n");
      if (options.offer() != null) {
        request.append("Sec-WebSocket-Extensions: ").append(options.offer()).append("\r\n");
      }
      if (options.authorization() != null) {
        request.append("Authorization: ").append(options.authorization()).append("\r\n");
      }
      request.append("User-Agent: Python/3.12 websockets/14.2\r\n\r\n");
      socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        head.write(in.readUnsignedByte());
      }
      String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
      if (!lines[0].startsWith("HTTP/1.1 101")) {
        throw new HandshakeRefused(lines[0]);
      }
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
              lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
        }
      }
      if (!acceptFor(key).equals(headers.get("sec-websocket-accept"))) {
        throw new IOException("wrong Sec-WebSocket-Accept: " + headers.get("sec-websocket-accept"));
      }
      return new PythonWebSocket(socket, headers, options.ignoreNoContextTakeover());
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** The handshake answered something other than 101. */
  public static final class HandshakeRefused extends IOException {
    private static final long serialVersionUID = 1L;

    public HandshakeRefused(String statusLine) {
      super("handshake refused: " + statusLine);
    }
  }

  private static String acceptFor(String key) {
    try {
      byte[] sha1 = MessageDigest.getInstance("SHA-1")
          .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(sha1);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The server's {@code Sec-WebSocket-Extensions} answer, or null if it declined every offer. */
  public String agreedExtension() {
    return agreedExtension;
  }

  public Map<String, String> responseHeaders() {
    return responseHeaders;
  }

  /** Sends a text message as the Python client does: compressed if permessage-deflate was agreed. */
  public void sendText(String text) throws IOException {
    sendText(text, 1);
  }

  /** Sends a text message in {@code fragments} frames (compressed per fragment if deflate was agreed). */
  public void sendText(String text, int fragments) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    int step = Math.max(1, (bytes.length + fragments - 1) / fragments);
    int offset = 0;
    boolean first = true;
    do {
      int end = Math.min(bytes.length, offset + step);
      boolean fin = end == bytes.length;
      byte[] chunk = Arrays.copyOfRange(bytes, offset, end);
      if (agreedExtension != null) {
        sendFrame(fin, first ? 0b100 : 0, first ? 0x1 : 0x0, compress(chunk, fin));
      } else {
        sendFrame(fin, 0, first ? 0x1 : 0x0, chunk);
      }
      first = false;
      offset = end;
    } while (offset < bytes.length);
  }

  /** Raw deflate of {@code chunk} with this connection's compressor, as {@code websockets} frames it. */
  private byte[] compress(byte[] chunk, boolean finalFrame) throws IOException {
    byte[] compressed = syncFlush(chunk);
    if (finalFrame) {
      if (endsWithTail(compressed)) {
        compressed = Arrays.copyOf(compressed, compressed.length - 4);
      }
      if (resetContextPerMessage) {
        deflater.end();
        deflater = newDeflater(windowBits);
      }
    }
    return compressed;
  }

  /** {@code compressobj.compress(chunk) + compressobj.flush(Z_SYNC_FLUSH)}, as websockets does. */
  private byte[] syncFlush(byte[] chunk) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    deflater.setInput(chunk, 0, chunk.length, false);
    do {
      deflater.setOutput(buf, 0, buf.length);
      int status = deflater.deflate(com.jcraft.jzlib.JZlib.Z_SYNC_FLUSH);
      if (status != com.jcraft.jzlib.JZlib.Z_OK && status != com.jcraft.jzlib.JZlib.Z_BUF_ERROR) {
        throw new IOException("deflate failed: " + deflater.getMessage());
      }
      out.write(buf, 0, buf.length - deflater.getAvailOut());
    } while (deflater.getAvailOut() == 0 || deflater.getAvailIn() > 0);
    return out.toByteArray();
  }

  private static boolean endsWithTail(byte[] data) {
    return data.length >= 4 && Arrays.equals(data, data.length - 4, data.length, SYNC_FLUSH_TAIL, 0, 4);
  }

  /**
   * A permessage-deflate payload that inflates to {@code inflatedBytes} copies of {@code fill}
   * without ever holding them: a decompression bomb (about 1,000:1 for repeated bytes).
   */
  public static byte[] deflatedRepeats(long inflatedBytes, byte fill) {
    Deflater bomb = new Deflater(Deflater.BEST_COMPRESSION, true);
    try {
      byte[] block = new byte[1 << 20];
      Arrays.fill(block, fill);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[64 * 1024];
      for (long left = inflatedBytes; left > 0; left -= block.length) {
        bomb.setInput(block, 0, (int) Math.min(block.length, left));
        while (!bomb.needsInput()) {
          out.write(buf, 0, bomb.deflate(buf, 0, buf.length, Deflater.NO_FLUSH));
        }
      }
      int n;
      do {
        n = bomb.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
        out.write(buf, 0, n);
      } while (n == buf.length);
      byte[] data = out.toByteArray();
      return endsWithTail(data) ? Arrays.copyOf(data, data.length - 4) : data;
    } finally {
      bomb.end();
    }
  }

  /** Writes one masked frame exactly as given (any RSV bits, opcode and payload). */
  public void sendFrame(boolean fin, int rsv, int opcode, byte[] payload) throws IOException {
    ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
    frame.write((fin ? 0x80 : 0) | (rsv & 0b111) << 4 | opcode);
    if (payload.length < 126) {
      frame.write(0x80 | payload.length);
    } else if (payload.length < 65_536) {
      frame.write(0x80 | 126);
      frame.write(payload.length >> 8);
      frame.write(payload.length);
    } else {
      frame.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame.write((int) ((long) payload.length >> shift));
      }
    }
    byte[] mask = new byte[4];
    RANDOM.nextBytes(mask);
    frame.write(mask);
    byte[] masked = new byte[payload.length];
    for (int i = 0; i < payload.length; i++) {
      masked[i] = (byte) (payload[i] ^ mask[i & 3]);
    }
    frame.write(masked);
    try {
      out.write(frame.toByteArray());
      out.flush();
    } catch (IOException e) {
      // The server may close a bad connection while a big frame is still being written: the test
      // reads the close frame next, as the Python client would report it.
    }
  }

  /** Reads the next frame, inflating a compressed data frame (never expected from opal4j). */
  public Frame readFrame() throws IOException {
    int first = in.readUnsignedByte();
    int second = in.readUnsignedByte();
    long length = second & 0x7F;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    if ((second & 0x80) != 0) {
      throw new IOException("the server masked a frame");
    }
    byte[] payload = new byte[Math.toIntExact(length)];
    in.readFully(payload);
    int rsv = (first >> 4) & 0b111;
    int opcode = first & 0x0F;
    if ((rsv & 0b100) != 0) {
      payload = inflate(payload);
    }
    return new Frame((first & 0x80) != 0, rsv, opcode, payload);
  }

  private byte[] inflate(byte[] payload) throws IOException {
    try {
      inflater.setInput(payload);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = inflater.inflate(buf)) > 0) {
        out.write(buf, 0, n);
      }
      inflater.setInput(SYNC_FLUSH_TAIL);
      while ((n = inflater.inflate(buf)) > 0) {
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new IOException("cannot inflate the server's frame", e);
    }
  }

  /** The next data frame's text, answering pings on the way; fails on a close frame. */
  public String readText() throws IOException {
    while (true) {
      Frame frame = readFrame();
      switch (frame.opcode()) {
        case 0x1 -> {
          return frame.text();
        }
        case 0x9 -> sendFrame(true, 0, 0xA, frame.payload());
        case 0x8 -> throw new IOException("closed by the server: " + frame.closeCode() + " " + frame.closeReason());
        default -> { /* pongs and others are not what the caller waits for */ }
      }
    }
  }

  /** Reads frames until the server's close frame, answering pings on the way; null if the socket ends first. */
  public Frame awaitClose() throws IOException {
    while (true) {
      Frame frame;
      try {
        frame = readFrame();
      } catch (EOFException e) {
        return null;
      }
      if (frame.opcode() == 0x8) {
        return frame;
      }
      if (frame.opcode() == 0x9) {
        sendFrame(true, 0, 0xA, frame.payload());
      }
    }
  }

  /** True if the server ends the TCP connection within the read timeout with nothing more sent. */
  public boolean endsWithoutMoreFrames() throws IOException {
    try {
      return in.read() == -1;
    } catch (EOFException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    deflater.end();
    inflater.end();
    socket.close();
  }
}
