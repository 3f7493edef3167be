package dev.opal4j.server;

import dev.opal4j.server.config.ConfigException;
import dev.opal4j.server.config.ServerConfig;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of {@code bin/opal-server}. Reads the environment; with {@code UVICORN_NUM_WORKERS>1}
 * it becomes the supervisor of that many worker processes sharing the port, otherwise it is the
 * single worker. Exit codes: 0 stopped, 2 bad configuration or any command-line argument (there are
 * none yet), 3 the worker gave up (e.g. backbone unreachable past
 * OPAL_BROADCAST_RECONNECT_MAX_RETRIES). A supervisor whose workers all stopped by themselves exits
 * with their code (see {@link WorkerSupervisor#run}). Warnings about the environment (unknown
 * variables) are logged once, by the supervisor or the single worker, never by each worker again.
 */
public final class Main {
  /** Set by the supervisor in each worker's environment. */
  public static final String WORKER_INDEX_ENV = "OPAL4J_WORKER_INDEX";

  private Main() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0) {
      // a flag we do not understand must never mean "start anyway" (an open server on 0.0.0.0)
      System.err.println("opal4j: " + refusedArguments(args));
      System.exit(2);
      return;
    }
    Map<String, String> env = System.getenv();
    ServerConfig.Binding binding;
    try {
      binding = ServerConfig.bind(env);
    } catch (ConfigException e) {
      System.err.println("opal4j: " + e.getMessage());
      System.exit(2);
      return;
    }
    ServerConfig config = binding.config();
    boolean isWorker = env.containsKey(WORKER_INDEX_ENV);
    if (config.workers() > 1 && !isWorker) {
      ProcessLogTag.markSupervisor(); // before its first line: the supervisor's lines are not worker 0's
    }
    applyLogLevel(config);
    if (!isWorker) {
      // workers inherit the supervisor's environment: the supervisor (or the single worker) says it once
      Logger log = LoggerFactory.getLogger(Main.class);
      binding.warnings().forEach(log::warn);
    }
    if (config.workers() > 1 && !isWorker) {
      WorkerSupervisor supervisor;
      try {
        supervisor = new WorkerSupervisor(config.workers());
      } catch (java.io.IOException e) {
        System.err.println("opal4j: cannot create the workers' private directory: " + e.getMessage());
        System.exit(1);
        return;
      }
      System.exit(supervisor.run());
      return;
    }
    OpalServer server;
    try {
      server = OpalServer.start(config, env, config.workers() > 1, reason -> {
        System.err.println("opal4j: worker giving up: " + reason);
        // exit on a fresh thread: the caller may be a thread that shutdown hooks wait for
        new Thread(() -> System.exit(3), "opal4j-exit").start();
      });
    } catch (OpalServer.StartupException e) {
      System.err.println("opal4j: cannot start: " + e.getMessage());
      System.exit(2);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "opal4j-shutdown"));
    stopped.await();
  }

  static String refusedArguments(String[] args) {
    String first = args[0].matches("[-A-Za-z0-9_.]{1,40}") ? "'" + args[0] + "'" : "an argument";
    return "the server takes no command-line arguments yet (got " + first
        + (args.length > 1 ? " and " + (args.length - 1) + " more" : "") + "): it reads its configuration from the"
        + " environment, as OPAL's server does (UVICORN_PORT, OPAL_BROADCAST_URI, OPAL_AUTH_PUBLIC_KEY, ...; see"
        + " README.md, \"Configuration reference\"). Nothing was started.";
  }

  // logback.xml reads OPAL_LOG_LEVEL raw, where upstream's WARNING or CRITICAL would mean DEBUG;
  // the bound, validated level replaces it
  private static void applyLogLevel(ServerConfig config) {
    if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
      root.setLevel(ch.qos.logback.classic.Level.toLevel(config.logbackLevel()));
    }
  }
}
