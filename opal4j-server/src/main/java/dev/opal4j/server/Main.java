package dev.opal4j.server;

import dev.opal4j.broadcast.spi.internal.UriRedaction;
import dev.opal4j.protocol.Ids;
import dev.opal4j.server.cli.ServerCli;
import dev.opal4j.server.cli.ServerVersion;
import dev.opal4j.server.logging.LogFormat;
import dev.opal4j.server.logging.ProcessLogFields;
import dev.opal4j.server.config.ConfigException;
import dev.opal4j.server.config.ServerConfig;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of {@code bin/opal-server}. Reads the environment; with {@code UVICORN_NUM_WORKERS>1}
 * it becomes the supervisor of that many worker processes sharing the port, otherwise it is the
 * single worker. The command line ({@link ServerCli}) chooses {@code run} (the default), {@code
 * print-config} or {@code check-config}, and its few flags override the variables they name. Exit
 * codes: 0 stopped, 2 bad configuration or command line, 3 the worker gave up (e.g. backbone unreachable past
 * OPAL_BROADCAST_RECONNECT_MAX_RETRIES). A supervisor whose workers all stopped by themselves exits
 * with their code (see {@link WorkerSupervisor#run}). Warnings about the environment (unknown
 * variables) are logged once, by the supervisor or the single worker, never by each worker again.
 */
public final class Main {
  /** Set by the supervisor in each worker's environment. */
  public static final String WORKER_INDEX_ENV = "OPAL4J_WORKER_INDEX";

  private Main() {}

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out),
        StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err),
        StandardCharsets.UTF_8), true);
    System.exit(ServerCli.execute(out, err, System.getenv(), Main::serve, args));
  }

  /**
   * {@code run}: the supervisor or the single worker, with {@code env} (the process environment
   * with the command line's overrides). Returns the exit code; a single worker returns only when
   * it could not start (a stopped worker exits from its shutdown path).
   */
  static int serve(Map<String, String> env) throws Exception {
    ServerConfig.Binding binding;
    try {
      binding = ServerConfig.bind(env);
    } catch (ConfigException e) {
      System.err.println("opal4j: " + e.getMessage());
      return 2;
    }
    ServerConfig config = binding.config();
    boolean isWorker = env.containsKey(WORKER_INDEX_ENV);
    if (config.workers() > 1 && !isWorker) {
      ProcessLogTag.markSupervisor(); // before its first line: the supervisor's lines are not worker 0's
    }
    applyLogLevel(config);
    LogFormat.apply(config.operations().logSerialize(), config.operations().logIncludePid());
    boolean isSupervisor = config.workers() > 1 && !isWorker;
    String notifierId = Ids.secureUuidHex();
    if (!isSupervisor) {
      ProcessLogFields.notifierId(notifierId); // the supervisor is no backbone peer: its lines carry none
    }
    if (!isWorker) {
      // workers inherit the supervisor's environment: the supervisor (or the single worker) says it once
      Logger log = LoggerFactory.getLogger(Main.class);
      binding.warnings().forEach(log::warn);
    }
    if (config.workers() > 1 && !isWorker) {
      WorkerSupervisor supervisor;
      try {
        // the command line's overrides reach the workers as the variables they stand for
        supervisor = new WorkerSupervisor(config.workers(), overridden(env), config.operations().shutdownDrain());
      } catch (java.io.IOException e) {
        System.err.println("opal4j: cannot create the workers' private directory: " + e.getMessage());
        return 1;
      }
      LoggerFactory.getLogger(Main.class).info("opal4j {} supervising {} workers on {}:{} (backbone: {})",
          ServerVersion.version(), config.workers(), config.host(), config.port(),
          UriRedaction.redact(config.broadcastUri().toString()));
      ShutdownSignals.onTerminate("the supervisor", supervisor::stopAll);
      return supervisor.run();
    }
    OpalServer server;
    try {
      server = OpalServer.start(config, env, config.workers() > 1, reason -> {
        System.err.println("opal4j: worker giving up: " + reason);
        // exit on a fresh thread: the caller may be a thread that shutdown hooks wait for
        new Thread(() -> System.exit(3), "opal4j-exit").start();
      }, notifierId);
    } catch (OpalServer.StartupException e) {
      System.err.println("opal4j: cannot start: " + e.getMessage());
      return 2;
    }
    OpalServer started = server;
    ShutdownSignals.onTerminate("the worker", () -> {
      started.drain(config.operations().shutdownDrain());
      started.close();
    });
    CountDownLatch stopped = new CountDownLatch(1);
    // any other exit (a worker giving up with 3) still closes the clients, at once
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "opal4j-shutdown"));
    stopped.await();
    return 0;
  }

  /** The variables of {@code env} that differ from the process's own environment. */
  private static Map<String, String> overridden(Map<String, String> env) {
    Map<String, String> differing = new java.util.HashMap<>();
    env.forEach((k, v) -> {
      if (!v.equals(System.getenv(k))) {
        differing.put(k, v);
      }
    });
    return differing;
  }

  // logback.xml reads OPAL_LOG_LEVEL raw, where upstream's WARNING or CRITICAL would mean DEBUG;
  // the bound, validated level replaces it
  private static void applyLogLevel(ServerConfig config) {
    if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
      root.setLevel(ch.qos.logback.classic.Level.toLevel(config.logbackLevel()));
    }
  }
}
