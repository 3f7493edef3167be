package dev.opal4j.server.node;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Joins several Prometheus text expositions (format 0.0.4) into one that is still valid: each
 * metric family appears once, with one {@code # HELP} and one {@code # TYPE} line, followed by the
 * samples of every input. The inputs must label their samples apart (each worker adds {@code
 * worker="<index>"}). Not thread-safe; one instance per answer.
 */
final class PrometheusMerge {
  private final Map<String, Family> families = new LinkedHashMap<>();

  private static final class Family {
    final List<String> header = new ArrayList<>();
    final List<String> samples = new ArrayList<>();
    boolean headerDone;
  }

  /** Adds one exposition; its families keep the order in which they first appeared. */
  PrometheusMerge add(String exposition) {
    Family current = null;
    for (String line : exposition.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
        String name = line.substring(7).split(" ", 2)[0];
        Family family = families.computeIfAbsent(name, n -> new Family());
        if (family != current && current != null) {
          current.headerDone = true;
        }
        current = family;
        if (!family.headerDone) {
          family.header.add(line);
        }
      } else if (line.startsWith("#")) {
        continue; // other comments carry nothing a scraper needs
      } else if (current != null) {
        current.headerDone = true;
        current.samples.add(line);
      } else {
        families.computeIfAbsent("", n -> new Family()).samples.add(line); // samples before any header
      }
    }
    if (current != null) {
      current.headerDone = true;
    }
    return this;
  }

  String text() {
    StringBuilder out = new StringBuilder();
    for (Family family : families.values()) {
      family.header.forEach(line -> out.append(line).append('\n'));
      family.samples.forEach(line -> out.append(line).append('\n'));
    }
    return out.toString();
  }
}
