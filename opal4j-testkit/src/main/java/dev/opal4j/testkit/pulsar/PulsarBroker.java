package dev.opal4j.testkit.pulsar;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.ChildJvm;
import dev.opal4j.testkit.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Pulsar standalone (broker plus one bookie, RocksDB metadata) on free loopback
 * ports, running the Maven Central jars in a child JVM ({@code PulsarStandaloneStarter
 * --no-functions-worker --no-stream-storage}). The jars' class path comes from the test dependency
 * {@code dev.opal4j:opal4j-testkit-pulsar-broker}. Ready in about 10 s.
 *
 * <p>{@link #stop()} kills the process (SIGKILL); {@link #start()} starts it again on the same
 * ports and data directories. Not thread-safe: one test class drives it.
 */
public final class PulsarBroker implements BackboneFixture {
  private static final Logger log = LoggerFactory.getLogger(PulsarBroker.class);
  private static final String CLASSPATH_RESOURCE = "dev/opal4j/testkit/pulsar/broker.classpath";
  private static final Duration STARTUP = Duration.ofSeconds(120);
  /** What Pulsar's own launch script opens up for netty, BookKeeper and the metrics code. */
  private static final List<String> JVM_ARGS = List.of(
      "-Xms128m", "-Xmx512m", "-XX:MaxDirectMemorySize=256m", "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true", "-Dio.netty.tryReflectionSetAccessible=true",
      "--add-opens", "java.base/java.io=ALL-UNNAMED",
      "--add-opens", "java.base/java.util.zip=ALL-UNNAMED",
      "--add-opens", "java.base/sun.net=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.platform=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/java.nio=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
      "--enable-native-access=ALL-UNNAMED");

  private final Path dir;
  private final String classpath;
  private final List<String> jvmArgs = new ArrayList<>(JVM_ARGS);
  private final List<String> args;
  private final int brokerPort;
  private final int webPort;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private int starts;
  private ChildJvm process;

  private PulsarBroker(Map<String, String> settings) {
    this.classpath = ChildJvm.classpathResource(CLASSPATH_RESOURCE, "opal4j-testkit-pulsar-broker");
    this.brokerPort = FreePorts.next();
    this.webPort = FreePorts.next();
    int bookiePort = FreePorts.next();
    try {
      this.dir = Files.createTempDirectory("opal4j-pulsar-");
      Path log4j = dir.resolve("log4j2.properties");
      Files.writeString(log4j, LOG4J2);
      jvmArgs.add("-Dlog4j2.configurationFile=" + log4j);
      Path config = dir.resolve("standalone.conf");
      Files.writeString(config, config(settings));
      this.args = List.of("--config", config.toString(), "--no-functions-worker", "--no-stream-storage",
          "--bookkeeper-port", String.valueOf(bookiePort),
          "--bookkeeper-dir", dir.resolve("bookkeeper").toString(),
          "--metadata-dir", dir.resolve("metadata").toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      start();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Settings that make the namespace keep messages for an hour (up to 100 MB) whether or not a
   * durable subscription needs them: what a backbone that resumes from positions needs.
   */
  public static final Map<String, String> RETAIN_ONE_HOUR =
      Map.of("defaultRetentionTimeInMinutes", "60", "defaultRetentionSizeInMB", "100");

  /** A started standalone Pulsar. */
  public static PulsarBroker launch() {
    return new PulsarBroker(Map.of());
  }

  /**
   * A started standalone Pulsar with more broker settings ({@code standalone.conf} names, e.g.
   * {@code managedLedgerNewEntriesCheckDelayInMillis=0}); they win over the fixture's own.
   */
  public static PulsarBroker launch(Map<String, String> settings) {
    return new PulsarBroker(settings);
  }

  @Override
  public URI uri() {
    return URI.create("pulsar://127.0.0.1:" + brokerPort);
  }

  /** The admin REST API, e.g. {@code /admin/v2/persistent/public/default/broadcast/stats}. */
  public URI adminUri() {
    return URI.create("http://127.0.0.1:" + webPort);
  }

  @Override
  public URI unreachableUri() {
    return URI.create("pulsar://127.0.0.1:" + FreePorts.next());
  }

  public long pid() {
    return process == null ? -1 : process.pid();
  }

  /** GETs an admin path; the body, or null when the broker does not answer 200. */
  public String admin(String path) {
    try {
      HttpResponse<String> response = http.send(
          HttpRequest.newBuilder(adminUri().resolve(path)).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? response.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * Sends an admin request without a body (e.g. {@code DELETE
   * /admin/v2/persistent/public/default/broadcast?force=true}); the HTTP status, or -1 when the
   * broker does not answer.
   */
  public int adminCall(String method, String path) {
    try {
      return http.send(HttpRequest.newBuilder(adminUri().resolve(path)).timeout(Duration.ofSeconds(30))
          .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Override
  public void stop() {
    if (process != null) {
      process.kill();
      process = null;
    }
  }

  @Override
  public void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    starts++;
    long began = System.nanoTime();
    process = ChildJvm.start(classpath, jvmArgs, "org.apache.pulsar.PulsarStandaloneStarter", args,
        dir.resolve("pulsar-" + starts + ".log"));
    try {
      // The broker accepts connections before the standalone created public/default; clients
      // that come too early get "namespace not found".
      process.awaitReady(() -> {
        String namespaces = admin("/admin/v2/namespaces/public");
        return namespaces != null && namespaces.contains("public/default");
      }, "serve namespace public/default", STARTUP);
      log.info("Pulsar standalone pid {} on {} ready in {} ms (start #{})", process.pid(), uri(),
          (System.nanoTime() - began) / 1_000_000, starts);
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
  }

  /**
   * Kills the broker, deletes everything it stored (ledgers and metadata) and starts it again on the
   * same ports: a cluster rebuilt from scratch, where every topic is new and no earlier message id
   * exists.
   */
  public void restartEmpty() {
    stop();
    for (String data : List.of("bookkeeper", "metadata")) {
      try (Stream<Path> paths = Files.walk(dir.resolve(data))) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | UncheckedIOException e) {
        throw new IllegalStateException("cannot delete the Pulsar data in " + dir.resolve(data), e);
      }
    }
    start();
  }

  @Override
  public void close() {
    stop();
    if (dir != null && Boolean.getBoolean("opal4j.testkit.keepDirs")) {
      log.info("Kept Pulsar files in {} (opal4j.testkit.keepDirs)", dir);
    } else if (dir != null) {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | UncheckedIOException ignored) {
        // best effort: a temp dir left behind is harmless
      }
    }
  }

  private String config(Map<String, String> settings) {
    List<String> extra = settings.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    return String.join("\n",
        "clusterName=standalone",
        "bindAddress=127.0.0.1",
        "advertisedAddress=127.0.0.1",
        "brokerServicePort=" + brokerPort,
        "webServicePort=" + webPort,
        "managedLedgerDefaultEnsembleSize=1",
        "managedLedgerDefaultWriteQuorum=1",
        "managedLedgerDefaultAckQuorum=1",
        "functionsWorkerEnabled=false",
        "transactionCoordinatorEnabled=false",
        "authenticationEnabled=false",
        "authorizationEnabled=false",
        "brokerDeleteInactiveTopicsEnabled=false",
        "managedLedgerCacheSizeMB=16",
        // The same file configures the embedded bookie: small caches, loopback only.
        "dbStorage_writeCacheMaxSizeMb=8",
        "dbStorage_readAheadCacheMaxSizeMb=8",
        "dbStorage_rocksDB_blockCacheSize=8388608",
        "journalSyncData=false",
        "allowLoopback=true",
        "listeningInterface=lo",
        "allowEphemeralPorts=true",
        "httpServerEnabled=false",
        // As in Pulsar's own standalone.conf: a bookie takes entries of maxMessageSize (5 MiB)
        // plus 10 KiB of framing; the bookie default (exactly 5 MiB) drops the biggest messages.
        "nettyMaxFrameSizeBytes=5253120",
        // Later lines win when the file is read, so the caller's settings go last.
        String.join("\n", extra),
        "");
  }

  private static final String LOG4J2 =
      """
      status = error
      appender.out.type = Console
      appender.out.name = OUT
      appender.out.layout.type = PatternLayout
      appender.out.layout.pattern = [%d] %p %m (%c)%n
      rootLogger.level = INFO
      rootLogger.appenderRef.out.ref = OUT
      """;
}
