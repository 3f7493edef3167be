package dev.opal4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server in a temp directory on a free loopback port, trust authentication for
 * user {@code postgres}. When the JVM runs as root the server runs as the {@code postgres} OS user
 * (Postgres refuses root). Binaries come from {@code OPAL4J_PG_BIN} or the newest
 * {@code /usr/lib/postgresql/<version>/bin}.
 *
 * <p>Not thread-safe: one test thread drives it. Only processes this object started are ever
 * signalled, by pid.
 */
public final class PostgresServer implements BackboneFixture {
  private static final String OS_USER = "postgres";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final Path binDir;
  private final Path root;
  private final Path dataDir;
  private final Path socketDir;
  private final Path log;
  private final int port;
  private final boolean dropPrivileges;
  private Process process;
  private ProcessHandle postmaster;
  private boolean closed;

  private PostgresServer(Path binDir, Path root, int port) {
    this.binDir = binDir;
    this.root = root;
    this.dataDir = root.resolve("data");
    this.socketDir = root.resolve("sock");
    this.log = root.resolve("postgres.log");
    this.port = port;
    this.dropPrivileges = FixtureProcesses.runningAsRoot();
  }

  /** Creates a fresh cluster (initdb) and starts it; returns when it accepts connections. */
  public static PostgresServer launch() {
    Path bin = findBinDir();
    Path root;
    try {
      root = Files.createTempDirectory("opal4j-pg-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temp dir for postgres", e);
    }
    PostgresServer server = new PostgresServer(bin, root, FreePorts.next());
    FixtureProcesses.track(server);
    try {
      server.initdb();
      server.start();
      return server;
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  public int port() {
    return port;
  }

  @Override
  public URI uri() {
    return URI.create("postgres://postgres@127.0.0.1:" + port + "/postgres");
  }

  @Override
  public URI unreachableUri() {
    return URI.create("postgres://postgres@127.0.0.1:" + FreePorts.next() + "/postgres?connect_timeout=5");
  }

  /** A pgjdbc URL for tests that talk to the server directly (as OPAL's Python server would). */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  /**
   * Immediate shutdown (SIGQUIT to the postmaster, as {@code pg_ctl stop -m immediate}): every
   * backend ends at once and clients see their sockets close. Falls back to SIGKILL.
   */
  @Override
  public void stop() {
    if (process == null) {
      return;
    }
    List<ProcessHandle> tree = new ArrayList<>();
    if (postmaster != null) {
      tree.add(postmaster);
      tree.addAll(postmaster.descendants().toList());
      FixtureProcesses.signal(postmaster.pid(), "QUIT");
    }
    tree.add(process.toHandle());
    if (!FixtureProcesses.awaitExit(tree, Duration.ofSeconds(15))) {
      tree.forEach(ProcessHandle::destroyForcibly);
      FixtureProcesses.awaitExit(tree, Duration.ofSeconds(10));
    }
    process = null;
    postmaster = null;
  }

  /** Starts the server on the same port and data directory; returns when it accepts connections. */
  @Override
  public void start() {
    if (closed) {
      throw new IllegalStateException("postgres fixture is closed");
    }
    if (process != null) {
      return;
    }
    List<String> command = asServerUser(
        List.of(
            binDir.resolve("postgres").toString(),
            "-D", dataDir.toString(),
            "-p", Integer.toString(port),
            "-k", socketDir.toString(),
            "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off",
            "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off",
            "-c", "max_connections=200",
            "-c", "shared_buffers=16MB"));
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start postgres: " + command, e);
    }
    awaitReady();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stop();
    } catch (RuntimeException ignored) {
      // close never throws
    }
    FixtureProcesses.deleteTree(root);
    FixtureProcesses.untrack(this);
  }

  private void initdb() {
    try {
      Files.createDirectories(socketDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (dropPrivileges) {
      FixtureProcesses.chown(root, OS_USER);
      FixtureProcesses.chown(socketDir, OS_USER);
    }
    Path initLog = root.resolve("initdb.log");
    int code =
        FixtureProcesses.run(
            asServerUser(
                List.of(
                    binDir.resolve("initdb").toString(),
                    "-D", dataDir.toString(),
                    "-U", "postgres",
                    "-A", "trust",
                    "-E", "UTF8",
                    "--locale=C",
                    "--no-sync")),
            initLog,
            Duration.ofSeconds(120));
    if (code != 0) {
      throw new IllegalStateException(
          "initdb failed with exit code " + code + ":\n" + FixtureProcesses.tail(initLog, 30));
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    Path probeLog = root.resolve("pg_isready.log");
    while (true) {
      if (!process.isAlive()) {
        String tail = FixtureProcesses.tail(log, 30);
        process = null;
        throw new IllegalStateException("postgres exited during start-up:\n" + tail);
      }
      int code =
          FixtureProcesses.run(
              List.of(
                  binDir.resolve("pg_isready").toString(),
                  "-h", "127.0.0.1",
                  "-p", Integer.toString(port),
                  "-U", "postgres",
                  "-d", "postgres",
                  "-t", "2"),
              probeLog,
              Duration.ofSeconds(10));
      if (code == 0) {
        postmaster = readPostmaster().orElse(process.toHandle());
        return;
      }
      if (System.nanoTime() > deadline) {
        stop();
        throw new IllegalStateException(
            "postgres did not accept connections on port " + port + " within " + READY_TIMEOUT
                + ":\n" + FixtureProcesses.tail(log, 30));
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for postgres", e);
      }
    }
  }

  // The process we spawned may be a runuser wrapper; postmaster.pid names the real server.
  private Optional<ProcessHandle> readPostmaster() {
    try {
      String first = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8).get(0).trim();
      return ProcessHandle.of(Long.parseLong(first));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private List<String> asServerUser(List<String> command) {
    if (!dropPrivileges) {
      return command;
    }
    List<String> wrapped = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
      // setpriv execs in place, so the pid we hold is the server's own
      wrapped.addAll(List.of("/usr/bin/setpriv", "--reuid=" + OS_USER, "--regid=" + OS_USER, "--init-groups", "--"));
    } else {
      wrapped.addAll(List.of("runuser", "-u", OS_USER, "--"));
    }
    wrapped.addAll(command);
    return wrapped;
  }

  private static Path findBinDir() {
    String fromEnv = System.getenv("OPAL4J_PG_BIN");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv);
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        Optional<Path> newest =
            versions
                .filter(v -> Files.isExecutable(v.resolve("bin/postgres")))
                .max(Comparator.comparingInt(PostgresServer::versionOf));
        if (newest.isPresent()) {
          return newest.get().resolve("bin");
        }
      } catch (IOException ignored) {
        // fall through to the other locations
      }
    }
    for (String dir : List.of("/usr/local/pgsql/bin", "/usr/local/bin", "/usr/bin")) {
      if (Files.isExecutable(Path.of(dir, "postgres")) && Files.isExecutable(Path.of(dir, "initdb"))) {
        return Path.of(dir);
      }
    }
    throw new IllegalStateException(
        "no PostgreSQL server binaries found (looked at OPAL4J_PG_BIN, /usr/lib/postgresql/*/bin,"
            + " /usr/local/bin, /usr/bin); install the postgresql package");
  }

  private static int versionOf(Path dir) {
    try {
      return Integer.parseInt(dir.getFileName().toString().split("\\.")[0]);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
