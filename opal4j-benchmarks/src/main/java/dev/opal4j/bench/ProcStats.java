package dev.opal4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads a process's resident memory and CPU time from {@code /proc} (Linux only). A server started
 * with {@code UVICORN_NUM_WORKERS>1} is a supervisor plus worker JVMs, so the "tree" variants sum a
 * process and all its descendants. A process that has gone reads as zero.
 */
final class ProcStats {
  private static final int CLOCK_TICKS = clockTicksPerSecond();

  private ProcStats() {}

  /** VmRSS of one process in bytes, 0 if unreadable. */
  static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return parseKib(line.substring("VmRSS:".length())) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process is gone or /proc is not Linux's: report nothing rather than fail the run
    }
    return 0;
  }

  static long parseKib(String value) {
    String v = value.trim();
    int space = v.indexOf(' ');
    return Long.parseLong(space < 0 ? v : v.substring(0, space));
  }

  /** utime + stime of one process, in nanoseconds of CPU; 0 if unreadable. */
  static long cpuNanos(long pid) {
    try {
      return cpuTicksFromStat(Files.readString(Path.of("/proc", Long.toString(pid), "stat")))
          * (TimeUnit.SECONDS.toNanos(1) / CLOCK_TICKS);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** utime (field 14) + stime (field 15) of a {@code /proc/<pid>/stat} line; the comm field may hold spaces. */
  static long cpuTicksFromStat(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    // f[0] is field 3 (state), so field n is f[n - 3]
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** The process and its live descendants. */
  static List<Long> tree(long pid) {
    List<Long> pids = new ArrayList<>();
    pids.add(pid);
    ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
    return pids;
  }

  static long treeRssBytes(List<Long> roots) {
    long sum = 0;
    for (long root : roots) {
      for (long pid : tree(root)) {
        sum += rssBytes(pid);
      }
    }
    return sum;
  }

  static long treeCpuNanos(List<Long> roots) {
    long sum = 0;
    for (long root : roots) {
      for (long pid : tree(root)) {
        sum += cpuNanos(pid);
      }
    }
    return sum;
  }

  /** The machine's 1-minute load average ({@code /proc/loadavg}), or -1 if unknown. */
  static double loadAverage() {
    try {
      return parseLoadAverage(Files.readString(Path.of("/proc/loadavg")));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  static double parseLoadAverage(String loadavg) {
    return Double.parseDouble(loadavg.trim().split("\\s+")[0]);
  }

  /** The soft RLIMIT_NOFILE of this process, or -1 if unknown. */
  static long openFilesLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String[] f = line.substring("Max open files".length()).trim().split("\\s+");
          return f[0].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // unknown
    }
    return -1;
  }

  private static int clockTicksPerSecond() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (p.waitFor(2, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return Integer.parseInt(out);
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 100; // USER_HZ on every mainstream Linux build
  }
}
