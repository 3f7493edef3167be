package dev.opal4j.broadcast.nats;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stream of the JetStream mode ({@code ?mode=jetstream}): its name ({@code stream}, or null to
 * derive it from the channel, see {@link NatsNames#streamName}) and the retention opal4j creates it
 * with ({@code max_msgs}, {@code max_bytes}, {@code max_age}; the names of the stream's own
 * configuration). Retention is always bounded; the defaults keep a day of OPAL's traffic at a few
 * updates a second, within 64 MiB of disk.
 */
record JetStreamSettings(String streamName, long maxMsgs, long maxBytes, Duration maxAge) {
  static final String MODE = "mode";
  static final String STREAM = "stream";
  static final String MAX_MSGS = "max_msgs";
  static final String MAX_BYTES = "max_bytes";
  static final String MAX_AGE = "max_age";
  static final long DEFAULT_MAX_MSGS = 100_000;
  static final long DEFAULT_MAX_BYTES = 64L << 20;
  static final Duration DEFAULT_MAX_AGE = Duration.ofHours(24);

  private static final Pattern BYTES = Pattern.compile("(\\d+)\\s*([kmg]i?b?)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern AGE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?", Pattern.CASE_INSENSITIVE);

  /** The settings a URI's query asks for, or null for core NATS; {@code where} names the URI in errors. */
  static JetStreamSettings from(Map<String, String> query, String where) throws BroadcastConfigurationException {
    String mode = query.getOrDefault(MODE, "core").toLowerCase(Locale.ROOT);
    if (!mode.equals("core") && !mode.equals("jetstream")) {
      throw new BroadcastConfigurationException(where + ": " + MODE + "='" + mode + "' is not supported; expected"
          + " 'core' (core NATS subjects, at-most-once, the default) or 'jetstream' (a stream that a worker resumes"
          + " from after a lost connection)");
    }
    if (mode.equals("core")) {
      for (String name : new String[] {STREAM, MAX_MSGS, MAX_BYTES, MAX_AGE}) {
        if (query.containsKey(name)) {
          throw new BroadcastConfigurationException(where + ": " + name + " configures the JetStream stream; it needs"
              + " mode=jetstream (core NATS keeps nothing)");
        }
      }
      return null;
    }
    String stream = query.get(STREAM);
    if (stream != null) {
      NatsNames.checkStreamName(stream, where);
    }
    return new JetStreamSettings(stream,
        query.containsKey(MAX_MSGS) ? count(query.get(MAX_MSGS), where) : DEFAULT_MAX_MSGS,
        query.containsKey(MAX_BYTES) ? bytes(query.get(MAX_BYTES), where) : DEFAULT_MAX_BYTES,
        query.containsKey(MAX_AGE) ? age(query.get(MAX_AGE), where) : DEFAULT_MAX_AGE);
  }

  private static long count(String text, String where) throws BroadcastConfigurationException {
    try {
      long value = Long.parseLong(text.strip());
      if (value >= 1) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BroadcastConfigurationException(where + ": " + MAX_MSGS + "='" + text + "' is invalid; expected a"
        + " whole number of messages of at least 1, e.g. " + DEFAULT_MAX_MSGS);
  }

  private static long bytes(String text, String where) throws BroadcastConfigurationException {
    Matcher m = BYTES.matcher(text.strip());
    if (m.matches()) {
      try {
        String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
        int shift = unit.isEmpty() || unit.equals("b") ? 0 : switch (unit.charAt(0)) {
          case 'k' -> 10;
          case 'm' -> 20;
          default -> 30;
        };
        long value = Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift);
        if (value >= 1) {
          return value;
        }
      } catch (ArithmeticException | NumberFormatException e) {
        // reported below
      }
    }
    throw new BroadcastConfigurationException(where + ": " + MAX_BYTES + "='" + text + "' is invalid; expected a"
        + " number of bytes of at least 1, optionally with K, M or G (powers of 1024), e.g. 64M");
  }

  private static Duration age(String text, String where) throws BroadcastConfigurationException {
    Matcher m = AGE.matcher(text.strip());
    if (m.matches()) {
      try {
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
        Duration age = switch (unit) {
          case "ms" -> Duration.ofMillis(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          case "d" -> Duration.ofDays(n);
          default -> Duration.ofSeconds(n);
        };
        if (age.toMillis() >= 1000) {
          return age;
        }
      } catch (ArithmeticException | NumberFormatException e) {
        // reported below
      }
    }
    throw new BroadcastConfigurationException(where + ": " + MAX_AGE + "='" + text + "' is invalid; expected a"
        + " duration of at least 1 s: a number with s, m, h or d (seconds without a unit), e.g. 24h");
  }
}
