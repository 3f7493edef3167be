package dev.opal4j.server;

import dev.opal4j.server.node.WorkerDirectory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code UVICORN_NUM_WORKERS} worker processes (each a JVM running {@link Main} with {@code
 * OPAL4J_WORKER_INDEX} set) that share the listening port with SO_REUSEPORT, like gunicorn's
 * workers. A worker that dies is restarted (with a growing delay if it keeps dying); SIGTERM stops
 * every worker and waits for them. Each worker is its own backbone peer with its own notifier id.
 *
 * <p>A worker that exits with code 2 (its configuration cannot work) is not restarted: it would
 * fail the same way again. When no worker is left running that way, {@link #run} returns the code
 * the workers ended with if they all agree (2 for a configuration every worker refused), else 1;
 * after SIGTERM it returns 0.
 */
final class WorkerSupervisor {
  private static final Logger log = LoggerFactory.getLogger(WorkerSupervisor.class);

  private final int workers;
  private final java.nio.file.Path workerDirectory;
  private final java.util.Map<String, String> workerEnvironment;
  private final java.time.Duration drain;
  private final List<Process> processes = new ArrayList<>();
  private volatile boolean stopping;

  /** @throws IOException when the private worker directory cannot be created */
  WorkerSupervisor(int workers, java.util.Map<String, String> workerEnvironment, java.time.Duration drain)
      throws IOException {
    this.workers = workers;
    this.drain = drain;
    this.workerEnvironment = java.util.Map.copyOf(workerEnvironment);
    // Mode 0700: where the workers announce their private report ports (WorkerDirectory).
    this.workerDirectory = java.nio.file.Files.createTempDirectory("opal4j-workers-");
  }

  /** Runs the workers until SIGTERM (returns 0) or until none is left (returns their exit code). */
  int run() throws InterruptedException {
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "opal4j-supervisor-shutdown"));
    List<Thread> watchers = new ArrayList<>();
    int[] finalCodes = new int[workers];
    for (int i = 0; i < workers; i++) {
      int index = i;
      Thread t = new Thread(() -> finalCodes[index] = keepAlive(index), "opal4j-worker-" + i);
      t.start();
      watchers.add(t);
    }
    log.info("supervising {} workers", workers);
    for (Thread t : watchers) {
      t.join(); // join() makes each watcher's write of finalCodes visible here
    }
    if (stopping) {
      return 0;
    }
    int code = java.util.Arrays.stream(finalCodes).distinct().count() == 1 ? finalCodes[0] : 1;
    log.error("no worker is left running; exiting with code {}", code);
    return code;
  }

  /** Keeps worker {@code index} running; returns 0 when stopping, else the code it gave up with. */
  private int keepAlive(int index) {
    int quickDeaths = 0;
    while (!stopping) {
      long started = System.nanoTime();
      Process p;
      try {
        p = spawn(index);
      } catch (IOException e) {
        log.error("cannot start worker {}: {}", index, e.getMessage());
        return 1;
      }
      synchronized (processes) {
        processes.add(p);
      }
      int code;
      try {
        code = p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 0;
      }
      synchronized (processes) {
        processes.remove(p);
      }
      if (stopping) {
        return 0;
      }
      if (code == 2) {
        log.error("worker {} cannot start (exit code 2: configuration error); not restarting it", index);
        return 2;
      }
      boolean quick = System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10);
      quickDeaths = quick ? quickDeaths + 1 : 0;
      long delayMs = Math.min(30_000, quickDeaths == 0 ? 0 : 500L << Math.min(6, quickDeaths - 1));
      log.warn("worker {} (pid {}) exited with code {}; restarting in {} ms", index, p.pid(), code, delayMs);
      try {
        Thread.sleep(delayMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 0;
      }
    }
    return 0;
  }

  private Process spawn(int index) throws IOException {
    // The worker runs exactly like this JVM. ProcessHandle.Info's argument list can be truncated
    // for long class paths, so the command is rebuilt from the runtime's own view.
    List<String> command = new ArrayList<>();
    command.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
    pb.environment().putAll(workerEnvironment);
    pb.environment().put(Main.WORKER_INDEX_ENV, Integer.toString(index));
    pb.environment().put(WorkerDirectory.ENV, workerDirectory.toString());
    Process p = pb.start();
    log.info("started worker {} (pid {})", index, p.pid());
    return p;
  }

  /**
   * Forwards SIGTERM to every worker and waits for them to drain and exit (their drain window plus
   * 10 s, then they are killed). Idempotent: the signal handler and the shutdown hook both call it.
   */
  synchronized void stopAll() {
    if (stopping) {
      return;
    }
    stopping = true;
    List<Process> snapshot;
    synchronized (processes) {
      snapshot = List.copyOf(processes);
    }
    log.info("opal4j supervisor stopping: SIGTERM to {} worker(s), waiting up to {} ms for them to drain",
        snapshot.size(), drain.toMillis() + 10_000);
    for (Process p : snapshot) {
      p.destroy();
    }
    long deadline = System.nanoTime() + drain.toNanos() + TimeUnit.SECONDS.toNanos(10);
    for (Process p : snapshot) {
      try {
        if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          log.warn("worker pid {} did not stop in time; killing it", p.pid());
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    deleteWorkerDirectory();
    log.info("opal4j supervisor stopped");
  }

  private void deleteWorkerDirectory() {
    try (var files = java.nio.file.Files.list(workerDirectory)) {
      for (java.nio.file.Path f : files.toList()) {
        java.nio.file.Files.deleteIfExists(f);
      }
      java.nio.file.Files.deleteIfExists(workerDirectory);
    } catch (IOException e) {
      log.debug("could not delete {}: {}", workerDirectory, e.getMessage());
    }
  }
}
