package dev.opal4j.protocol.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opal4j.protocol.Json;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads typed values from the environment with upstream OPAL's {@code confi} rules, for every
 * setting of every module. A bad value is not thrown: it is recorded as a problem naming the
 * variable and the fallback is returned, so that start-up can report every bad variable at once.
 *
 * <p>Every name a setting asks for is remembered ({@link #namesRead()}), whether or not it is set:
 * that is how start-up knows which {@code OPAL_*} variables are real settings, so a new setting is
 * known as soon as it is read here.
 *
 * <p>Rules: blank means unset; booleans are {@code true/false/1/0/yes/no/on/off} in any case;
 * lists are a JSON list of strings ({@code '[".rego", ".json"]'}) or comma-separated, items
 * trimmed and empty items dropped.
 *
 * <p>Not thread-safe: one binder is used by one thread while configuration is bound.
 */
public final class EnvBinder {
  private final Map<String, String> env;
  private final List<String> errors = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private final Set<String> namesRead = new LinkedHashSet<>();
  private final Map<String, String> fallbacks = new LinkedHashMap<>();

  public EnvBinder(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /** The whole environment, for checks that look at names no setting reads. */
  public Map<String, String> environment() {
    return env;
  }

  /** Every variable name a setting has read so far, set or not. */
  public Set<String> namesRead() {
    return Collections.unmodifiableSet(namesRead);
  }

  /**
   * The fallback each typed read was given, as text ({@code 7002}, {@code 0.5}, {@code .rego,.json}),
   * by variable name; names read only raw have none. Lets a test hold the settings catalog's
   * documented defaults to the ones the code uses.
   */
  public Map<String, String> fallbacks() {
    return Collections.unmodifiableMap(fallbacks);
  }

  private void fallback(String name, Object value) {
    String text;
    if (value instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
      text = Long.toString(d.longValue());
    } else if (value instanceof List<?> l) {
      text = String.join(",", l.stream().map(String::valueOf).toList());
    } else {
      text = String.valueOf(value);
    }
    fallbacks.putIfAbsent(name, text);
  }

  /** The problems recorded so far, each naming its variable. */
  public List<String> errors() {
    return Collections.unmodifiableList(errors);
  }

  /** Things start-up should say without refusing to start. */
  public List<String> warnings() {
    return Collections.unmodifiableList(warnings);
  }

  public void error(String message) {
    errors.add(message);
  }

  public void warn(String message) {
    warnings.add(message);
  }

  /** The trimmed value, or null when unset or blank. */
  public String raw(String name) {
    namesRead.add(name);
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  public String string(String name, String fallback) {
    fallback(name, fallback);
    String v = raw(name);
    return v == null ? fallback : v;
  }

  public boolean bool(String name, boolean fallback) {
    fallback(name, fallback);
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

  public int integer(String name, int fallback, int min, int max) {
    fallback(name, fallback);
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

  public long bytes(String name, long fallback, long min) {
    fallback(name, fallback);
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

  /** Seconds as a decimal number (upstream's {@code confi.float}), at least {@code min}. */
  public Duration seconds(String name, double fallback, double min) {
    fallback(name, fallback);
    String v = raw(name);
    double s = fallback;
    if (v != null) {
      try {
        s = Double.parseDouble(v);
        if (Double.isNaN(s) || Double.isInfinite(s) || s < min) {
          errors.add(name + "=" + v + " must be a number of seconds >= " + min);
          s = fallback;
        }
      } catch (NumberFormatException e) {
        errors.add(name + "='" + v + "' is not a number of seconds");
      }
    }
    return Duration.ofNanos((long) (s * 1_000_000_000L));
  }

  /** Whole seconds, zero or more (upstream's {@code confi.int} for intervals and timeouts). */
  public Duration wholeSeconds(String name, int fallback) {
    fallback(name, fallback);
    String v = raw(name);
    if (v == null) {
      return Duration.ofSeconds(fallback);
    }
    try {
      int n = Integer.parseInt(v);
      if (n < 0) {
        errors.add(name + "=" + v + " must be zero or a positive number of seconds");
        return Duration.ofSeconds(fallback);
      }
      return Duration.ofSeconds(n);
    } catch (NumberFormatException e) {
      errors.add(name + "='" + v + "' is not a whole number of seconds");
      return Duration.ofSeconds(fallback);
    }
  }

  /** A list: a JSON list of strings, or comma-separated. */
  public List<String> list(String name, List<String> fallback) {
    fallback(name, fallback);
    String v = raw(name);
    if (v == null) {
      return fallback;
    }
    if (v.startsWith("[")) {
      return jsonList(name, v, fallback);
    }
    List<String> out = new ArrayList<>();
    for (String part : v.split(",")) {
      if (!part.isBlank()) {
        out.add(part.strip());
      }
    }
    return out;
  }

  private List<String> jsonList(String name, String v, List<String> fallback) {
    JsonNode node;
    try {
      node = Json.parse(v);
    } catch (Exception e) {
      errors.add(name + " starts with '[' but is not a valid JSON list (" + firstLine(e.getMessage())
          + "); write a JSON list of strings like [\"a\", \"b\"] or a comma-separated list");
      return fallback;
    }
    if (!node.isArray()) {
      errors.add(name + " starts with '[' but is not a JSON list");
      return fallback;
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode item = node.get(i);
      if (!item.isTextual() && !item.isNumber()) {
        errors.add(name + ": item " + i + " of the JSON list is " + item.getNodeType().name().toLowerCase(Locale.ROOT)
            + ", not a string");
        return fallback;
      }
      String text = item.asText().strip();
      if (!text.isEmpty()) {
        out.add(text);
      }
    }
    return out;
  }

  /** A list of file extensions, each with exactly one leading dot ({@code .rego}). */
  public List<String> extensions(String name, List<String> fallback) {
    List<String> out = list(name, fallback);
    for (String ext : out) {
      if (!ext.startsWith(".") || ext.length() < 2 || ext.indexOf('.', 1) >= 0) {
        errors.add(name + ": '" + ext + "' is not a file extension like .rego (one leading dot)");
      }
    }
    return out;
  }

  /** An absolute, normalized path; {@code ~} stands for the user's home. */
  public Path path(String name, String fallback) {
    String v = string(name, fallback);
    if (v.equals("~") || v.startsWith("~/")) {
      v = System.getProperty("user.home") + v.substring(1);
    }
    try {
      return Path.of(v).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      errors.add(name + "='" + v + "' is not a valid path: " + e.getReason());
      return Path.of(fallback).toAbsolutePath();
    }
  }

  /**
   * One of {@code allowed} (compared without case), returned as spelled in {@code allowed}; the
   * fallback when unset.
   */
  public String choice(String name, String fallback, List<String> allowed) {
    fallback(name, fallback);
    String v = raw(name);
    if (v == null) {
      return fallback;
    }
    for (String a : allowed) {
      if (a.equalsIgnoreCase(v)) {
        return a;
      }
    }
    errors.add(name + "='" + v + "' is not one of " + String.join(", ", allowed));
    return fallback;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
