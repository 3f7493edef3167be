package dev.opal4j.server.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rate in the notation of Python's {@code limits} library, which upstream OPAL takes for {@code
 * OPAL_CLIENT_LOAD_LIMIT_NOTATION}: {@code 10/second}, {@code 10 per second}, {@code 100 per 2
 * minutes}, several joined by {@code ;}, {@code ,} or {@code |} (each must hold). Units are second,
 * minute, hour, day, month (30 days) and year (12 such months), singular or plural, any case.
 * Immutable.
 */
public record RateLimitNotation(String text, List<Item> items) {

  /** One limit: at most {@code count} hits per {@code period}. */
  public record Item(long count, int multiples, String unit, Duration period) {
    /** As {@code limits} prints it, e.g. {@code 10 per 1 second}: upstream's 429 detail. */
    public String describe() {
      return count + " per " + multiples + " " + unit;
    }
  }

  private static final Pattern ONE = Pattern.compile(
      "\\s*([0-9]+)\\s*(?:/|\\s*per\\s*)\\s*([0-9]+)?\\s*(second|minute|hour|day|month|year)s?\\s*",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern SEPARATORS = Pattern.compile("[;,|]");

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the part that is not a rate
   */
  public static RateLimitNotation parse(String text) {
    List<Item> items = new ArrayList<>();
    for (String part : SEPARATORS.split(text, -1)) {
      Matcher m = ONE.matcher(part);
      if (!m.matches()) {
        throw new IllegalArgumentException("'" + part.strip() + "' is not a rate such as 10/second or 100 per 2 minutes");
      }
      long count;
      int multiples;
      try {
        count = Long.parseLong(m.group(1));
        multiples = m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + part.strip() + "': number too large");
      }
      if (multiples < 1) {
        throw new IllegalArgumentException("'" + part.strip() + "': the period must be at least 1");
      }
      String unit = m.group(3).toLowerCase(Locale.ROOT);
      items.add(new Item(count, multiples, unit, unitLength(unit).multipliedBy(multiples)));
    }
    return new RateLimitNotation(text, List.copyOf(items));
  }

  private static Duration unitLength(String unit) {
    return switch (unit) {
      case "second" -> Duration.ofSeconds(1);
      case "minute" -> Duration.ofMinutes(1);
      case "hour" -> Duration.ofHours(1);
      case "day" -> Duration.ofDays(1);
      case "month" -> Duration.ofDays(30);
      default -> Duration.ofDays(360); // limits' year: 12 of its 30-day months
    };
  }
}
