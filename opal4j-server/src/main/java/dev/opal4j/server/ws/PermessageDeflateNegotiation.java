package dev.opal4j.server.ws;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The server's half of RFC 7692's permessage-deflate negotiation, chosen so that a connection
 * costs (almost) no compression memory while it is idle:
 *
 * <ul>
 *   <li>The server never compresses (an endpoint may send any message uncompressed, §6), so it
 *       keeps no deflater; {@code server_no_context_takeover} and {@code server_max_window_bits}
 *       are echoed when offered, since they bind only the server.
 *   <li>The client's messages are inflated with an inflater borrowed per message from the event
 *       loop's {@link InflaterPool}. What must outlive a message is the client's compression
 *       context: when the client offered {@code client_no_context_takeover} there is none;
 *       otherwise, when it offered {@code client_max_window_bits} (the Python client, browsers and
 *       Node's {@code ws} do), the answer bounds its window to {@value #CLIENT_WINDOW_BITS} bits, so
 *       the context is the last {@code 2^}{@value #CLIENT_WINDOW_BITS} bytes it sent, kept per
 *       connection and given to the next message's inflater as its dictionary.
 *   <li>An offer that allows neither (Netty's default client) is declined: the connection runs
 *       uncompressed, which is always legal, rather than pin a 32 KiB window per connection.
 * </ul>
 *
 * <p>Every parameter in an answer was in the offer it accepts, so no client has to accept a
 * parameter it did not ask for (Netty's client refuses an unsolicited
 * {@code client_no_context_takeover}, though §7.1.1.2 allows it).
 *
 * <p>Stateless and thread-safe.
 */
final class PermessageDeflateNegotiation {
  static final String EXTENSION = "permessage-deflate";
  /** zlib's smallest raw-deflate window is 9 bits (it refuses 8); 512 bytes of context per client. */
  static final int CLIENT_WINDOW_BITS = 9;

  /**
   * What was agreed: the header answer, and the client's window in bits, or 0 when the client
   * keeps no context between messages.
   */
  record Agreement(String answer, int clientWindowBits) {
    boolean clientKeepsContext() {
      return clientWindowBits > 0;
    }
  }

  private PermessageDeflateNegotiation() {}

  /**
   * The agreement for a request's {@code Sec-WebSocket-Extensions} header values: the first
   * permessage-deflate offer this server can honour, or {@code null} (no compression).
   */
  static Agreement negotiate(Iterable<String> offerHeaders) {
    for (String header : offerHeaders) {
      for (String offer : header.split(",")) {
        Agreement agreement = accept(offer);
        if (agreement != null) {
          return agreement;
        }
      }
    }
    return null;
  }

  /** The agreement on one offer ({@code name; param[=value]; ...}), or null if it cannot be accepted. */
  static Agreement accept(String offer) {
    String[] parts = offer.split(";");
    if (!parts[0].trim().equalsIgnoreCase(EXTENSION)) {
      return null;
    }
    Set<String> seen = new HashSet<>();
    String serverMaxWindowBits = null;
    boolean clientNoContext = false;
    boolean serverNoContext = false;
    int clientMaxWindowBits = -1; // -1 not offered, 0 offered without a value
    for (int i = 1; i < parts.length; i++) {
      String param = parts[i].trim();
      int eq = param.indexOf('=');
      String name = (eq < 0 ? param : param.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
      String value = eq < 0 ? null : unquote(param.substring(eq + 1).trim());
      if (!seen.add(name)) {
        return null; // §7.1: an offer with a repeated parameter is invalid
      }
      switch (name) {
        case "server_no_context_takeover", "client_no_context_takeover" -> {
          if (value != null) {
            return null;
          }
          serverNoContext |= name.startsWith("server");
          clientNoContext |= name.startsWith("client");
        }
        case "server_max_window_bits" -> {
          if (value == null || windowBits(value) < 0) {
            return null;
          }
          serverMaxWindowBits = value;
        }
        case "client_max_window_bits" -> {
          clientMaxWindowBits = value == null ? 0 : windowBits(value);
          if (clientMaxWindowBits < 0) {
            return null;
          }
        }
        default -> {
          return null; // a parameter this server does not know: decline this offer
        }
      }
    }
    StringBuilder answer = new StringBuilder(EXTENSION);
    if (serverNoContext) {
      answer.append("; server_no_context_takeover");
    }
    if (serverMaxWindowBits != null) {
      answer.append("; server_max_window_bits=").append(serverMaxWindowBits); // §7.1.2.1: echo it
    }
    if (clientNoContext) {
      return new Agreement(answer.append("; client_no_context_takeover").toString(), 0);
    }
    if (clientMaxWindowBits >= 0) {
      int bits = clientMaxWindowBits == 0 ? CLIENT_WINDOW_BITS : Math.min(CLIENT_WINDOW_BITS, clientMaxWindowBits);
      return new Agreement(answer.append("; client_max_window_bits=").append(bits).toString(), bits);
    }
    return null;
  }

  private static String unquote(String value) {
    return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
        ? value.substring(1, value.length() - 1) : value;
  }

  /** The window size in bits (8..15), or -1 if {@code value} is not one. */
  private static int windowBits(String value) {
    if (value.isEmpty() || value.length() > 2 || !value.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    int bits = Integer.parseInt(value);
    return bits >= 8 && bits <= 15 ? bits : -1;
  }
}
