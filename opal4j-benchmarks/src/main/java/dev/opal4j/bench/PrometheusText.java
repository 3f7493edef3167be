package dev.opal4j.bench;

/**
 * Reads values out of a Prometheus text exposition ({@code GET /metrics}). Only what the harness
 * needs: the JVM heap in use, if the server exports Micrometer's {@code jvm_memory_used_bytes}.
 */
final class PrometheusText {
  private PrometheusText() {}

  /** Sum of {@code jvm_memory_used_bytes{area="heap",…}} samples, or -1 when the server exports none. */
  static long heapUsedBytes(String exposition) {
    double sum = 0;
    boolean found = false;
    for (String line : exposition.split("\n")) {
      if (!line.startsWith("jvm_memory_used_bytes{") || !line.contains("area=\"heap\"")) {
        continue;
      }
      int close = line.lastIndexOf('}');
      String[] rest = line.substring(close + 1).trim().split("\\s+");
      try {
        sum += Double.parseDouble(rest[0]);
        found = true;
      } catch (NumberFormatException e) {
        // a malformed sample is skipped
      }
    }
    return found ? (long) sum : -1;
  }

  /** The value of an unlabelled (or first labelled) sample of {@code name}, or -1. */
  static double sample(String exposition, String name) {
    for (String line : exposition.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        int close = line.lastIndexOf('}');
        String value = (close >= 0 ? line.substring(close + 1) : line.substring(name.length())).trim().split("\\s+")[0];
        try {
          return Double.parseDouble(value);
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }
}
