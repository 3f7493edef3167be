package dev.opal4j.broadcast.nats;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import java.nio.charset.StandardCharsets;

/**
 * The names opal4j uses on a NATS server: the subject of a channel, and the bucket and key of a
 * leader lease.
 */
final class NatsNames {
  /** The JetStream key-value bucket that holds every leader lease. */
  static final String LEASE_BUCKET = "opal4j_leader";

  private NatsNames() {}

  /**
   * The channel name is the subject, unchanged, so that an operator finds it in {@code nats sub} and
   * in the server's permissions. A channel the subject syntax cannot carry literally is refused rather
   * than mapped: whitespace would split the protocol line, {@code *} and {@code >} are wildcards (a
   * worker subscribed to {@code a.*} would hear other channels), and an empty token (a leading,
   * trailing or doubled dot) is invalid. Dots are allowed: {@code opal.events} is a two-token subject.
   */
  static String subject(String channel) throws BroadcastConfigurationException {
    String why = null;
    if (channel.isEmpty()) {
      why = "it is empty";
    } else if (channel.chars().anyMatch(c -> c <= ' ' || c == 0x7f || Character.isWhitespace(c))) {
      why = "NATS subjects cannot contain whitespace or control characters";
    } else if (channel.indexOf('*') >= 0 || channel.indexOf('>') >= 0) {
      why = "'*' and '>' are NATS subject wildcards";
    } else if (channel.startsWith(".") || channel.endsWith(".") || channel.contains("..")) {
      why = "a NATS subject cannot start or end with '.' or contain '..'";
    }
    if (why != null) {
      throw new BroadcastConfigurationException("OPAL_BROADCAST_CHANNEL_NAME '" + channel
          + "' cannot be a NATS subject: " + why + " (the channel name is used as the subject, unchanged)");
    }
    return channel;
  }

  /**
   * The JetStream stream of a channel unless the URI names one: {@code opal4j_<channel>}, the
   * channel escaped as lease keys are (stream names cannot hold '.', '*', '>' or whitespace).
   */
  static String streamName(String channel) {
    return "opal4j_" + escape(channel);
  }

  /** Refuses a stream name the server would refuse, before anything connects. */
  static void checkStreamName(String name, String where) throws BroadcastConfigurationException {
    if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c == 0x7f || c == '.' || c == '*' || c == '>'
        || c == '/' || c == '\\' || Character.isWhitespace(c))) {
      throw new BroadcastConfigurationException(where + ": stream='" + name + "' is not a JetStream stream name"
          + " (it must not be empty nor contain whitespace, '.', '*', '>', '/' or '\\')");
    }
  }

  /**
   * The lease key of an election on a channel, {@code <channel>.<election>}, each part escaped to
   * the key alphabet ({@code A-Z a-z 0-9 _ -} kept, any other UTF-8 byte as {@code =XX}), so that
   * distinct names never share a key.
   */
  static String leaseKey(String channel, String election) {
    return escape(channel) + "." + escape(election);
  }

  private static String escape(String name) {
    StringBuilder out = new StringBuilder();
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
        out.append((char) c);
      } else {
        out.append('=').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.isEmpty() ? "=" : out.toString();
  }
}
