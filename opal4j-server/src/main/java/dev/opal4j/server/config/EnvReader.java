package dev.opal4j.server.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads typed values from the environment, collecting every problem instead of stopping at the
 * first, so that start-up can report all bad variables at once, each named. Parsing follows OPAL's
 * {@code confi}: booleans are true/false/1/0 (any case), lists are comma-separated.
 */
final class EnvReader {
  private final Map<String, String> env;
  private final List<String> errors = new ArrayList<>();

  EnvReader(Map<String, String> env) {
    this.env = env;
  }

  List<String> errors() {
    return errors;
  }

  void error(String message) {
    errors.add(message);
  }

  String raw(String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  String string(String name, String fallback) {
    String v = raw(name);
    return v == null ? fallback : v;
  }

  boolean bool(String name, boolean fallback) {
    String v = raw(name);
    if (v == null) {
      return fallback;
    }
    switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes", "on" -> {
        return true;
      }
      case "false", "0", "no", "off" -> {
        return false;
      }
      default -> {
        errors.add(name + "='" + v + "' is not a boolean (use true or false)");
        return fallback;
      }
    }
  }

  int integer(String name, int fallback, int min, int max) {
    String v = raw(name);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        errors.add(name + "=" + v + " is out of range; expected " + min + ".." + max);
        return fallback;
      }
      return n;
    } catch (NumberFormatException e) {
      errors.add(name + "='" + v + "' is not a whole number");
      return fallback;
    }
  }

  long bytes(String name, long fallback, long min) {
    String v = raw(name);
    if (v == null) {
      return fallback;
    }
    try {
      long n = Long.parseLong(v);
      if (n < min) {
        errors.add(name + "=" + v + " must be at least " + min);
        return fallback;
      }
      return n;
    } catch (NumberFormatException e) {
      errors.add(name + "='" + v + "' is not a whole number of bytes");
      return fallback;
    }
  }

  Duration seconds(String name, double fallback, double min) {
    String v = raw(name);
    double s = fallback;
    if (v != null) {
      try {
        s = Double.parseDouble(v);
        if (Double.isNaN(s) || s < min) {
          errors.add(name + "=" + v + " must be a number of seconds >= " + min);
          s = fallback;
        }
      } catch (NumberFormatException e) {
        errors.add(name + "='" + v + "' is not a number of seconds");
      }
    }
    return Duration.ofNanos((long) (s * 1_000_000_000L));
  }

  /** A list: a JSON array of strings, or comma-separated. */
  List<String> list(String name, List<String> fallback) {
    String v = raw(name);
    if (v == null) {
      return fallback;
    }
    if (v.startsWith("[")) {
      try {
        List<String> out = new ArrayList<>();
        for (var n : dev.opal4j.protocol.Json.parse(v)) {
          out.add(n.asText());
        }
        return out;
      } catch (Exception e) {
        errors.add(name + " is not a valid JSON list: " + e.getMessage());
        return fallback;
      }
    }
    List<String> out = new ArrayList<>();
    for (String part : v.split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }
}
