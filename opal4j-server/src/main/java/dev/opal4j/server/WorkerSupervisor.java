package dev.opal4j.server;

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
 */
final class WorkerSupervisor {
  private static final Logger log = LoggerFactory.getLogger(WorkerSupervisor.class);

  private final int workers;
  private final List<Process> processes = new ArrayList<>();
  private volatile boolean stopping;

  WorkerSupervisor(int workers) {
    this.workers = workers;
  }

  int run() throws InterruptedException {
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "opal4j-supervisor-shutdown"));
    List<Thread> watchers = new ArrayList<>();
    for (int i = 0; i < workers; i++) {
      int index = i;
      Thread t = new Thread(() -> keepAlive(index), "opal4j-worker-" + i);
      t.start();
      watchers.add(t);
    }
    log.info("supervising {} workers", workers);
    for (Thread t : watchers) {
      t.join();
    }
    return 0;
  }

  private void keepAlive(int index) {
    int quickDeaths = 0;
    while (!stopping) {
      long started = System.nanoTime();
      Process p;
      try {
        p = spawn(index);
      } catch (IOException e) {
        log.error("cannot start worker {}: {}", index, e.getMessage());
        return;
      }
      synchronized (processes) {
        processes.add(p);
      }
      int code;
      try {
        code = p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      synchronized (processes) {
        processes.remove(p);
      }
      if (stopping) {
        return;
      }
      if (code == 2) {
        log.error("worker {} cannot start (exit code 2: configuration error); not restarting it", index);
        return;
      }
      boolean quick = System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10);
      quickDeaths = quick ? quickDeaths + 1 : 0;
      long delayMs = Math.min(30_000, quickDeaths == 0 ? 0 : 500L << Math.min(6, quickDeaths - 1));
      log.warn("worker {} (pid {}) exited with code {}; restarting in {} ms", index, p.pid(), code, delayMs);
      try {
        Thread.sleep(delayMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
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
    pb.environment().put(Main.WORKER_INDEX_ENV, Integer.toString(index));
    Process p = pb.start();
    log.info("started worker {} (pid {})", index, p.pid());
    return p;
  }

  private void stopAll() {
    stopping = true;
    List<Process> snapshot;
    synchronized (processes) {
      snapshot = List.copyOf(processes);
    }
    for (Process p : snapshot) {
      p.destroy();
    }
    for (Process p : snapshot) {
      try {
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
