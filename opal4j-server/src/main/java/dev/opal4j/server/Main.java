package dev.opal4j.server;

import dev.opal4j.server.config.ConfigException;
import dev.opal4j.server.config.ServerConfig;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of {@code bin/opal-server}. Reads the environment; with {@code UVICORN_NUM_WORKERS>1}
 * it becomes the supervisor of that many worker processes sharing the port, otherwise it is the
 * single worker. Exit codes: 0 stopped, 2 bad configuration, 3 the worker gave up (e.g. backbone
 * unreachable past OPAL_BROADCAST_RECONNECT_MAX_RETRIES). A supervisor whose workers all stopped by
 * themselves exits with their code (see {@link WorkerSupervisor#run}).
 */
public final class Main {
  /** Set by the supervisor in each worker's environment. */
  public static final String WORKER_INDEX_ENV = "OPAL4J_WORKER_INDEX";

  private Main() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    ServerConfig config;
    try {
      config = ServerConfig.fromEnv(env);
    } catch (ConfigException e) {
      System.err.println("opal4j: " + e.getMessage());
      System.exit(2);
      return;
    }
    boolean isWorker = env.containsKey(WORKER_INDEX_ENV);
    if (config.workers() > 1 && !isWorker) {
      ProcessLogTag.markSupervisor();
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
}
