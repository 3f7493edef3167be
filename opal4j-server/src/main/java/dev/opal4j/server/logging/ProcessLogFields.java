package dev.opal4j.server.logging;

/**
 * Who is logging, the same for every line of the process: its role ({@code w<index>} or {@code
 * supervisor}), its backbone notifier id once it has one, and whether the pid is shown. These are
 * process-wide rather than MDC entries because MDC is per thread, and most lines come from event
 * loop, backbone and policy threads that the main thread never touches.
 *
 * <p>Thread-safe: set by {@code Main} during start-up, read by every logging thread.
 */
public final class ProcessLogFields {
  private static volatile String role = "w" + System.getenv().getOrDefault(dev.opal4j.server.Main.WORKER_INDEX_ENV, "0");
  private static volatile String notifierId;
  private static volatile boolean includePid;
  private static final long PID = ProcessHandle.current().pid();

  private ProcessLogFields() {}

  public static String role() {
    return role;
  }

  public static void role(String value) {
    role = value;
  }

  /** The worker's notifier id on the backbone, or null (the supervisor, or before start). */
  public static String notifierId() {
    return notifierId;
  }

  public static void notifierId(String value) {
    notifierId = value;
  }

  public static boolean includePid() {
    return includePid;
  }

  public static void includePid(boolean value) {
    includePid = value;
  }

  public static long pid() {
    return PID;
  }
}
