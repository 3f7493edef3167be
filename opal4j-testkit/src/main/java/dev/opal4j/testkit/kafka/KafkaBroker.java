package dev.opal4j.testkit.kafka;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.ChildJvm;
import dev.opal4j.testkit.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real single-node Kafka (KRaft: broker and controller in one process) on free loopback ports,
 * running the Maven Central jars in a child JVM. The jars' class path comes from the test
 * dependency {@code dev.opal4j:opal4j-testkit-kafka-broker}.
 *
 * <p>Topics are not created automatically ({@code auto.create.topics.enable=false}), so the
 * backend's own topic creation is what the tests exercise. {@link #stop()} kills the process
 * (SIGKILL); {@link #start()} starts it again on the same ports and data directory.
 *
 * <p>Not thread-safe: one test class drives it.
 */
public final class KafkaBroker implements BackboneFixture {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(KafkaBroker.class);
  private static final String CLASSPATH_RESOURCE = "dev/opal4j/testkit/kafka/broker.classpath";
  private static final Duration STARTUP = Duration.ofSeconds(90);
  private static final List<String> JVM_ARGS =
      List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-Djava.awt.headless=true");

  private final Path dir;
  private final Path config;
  private final List<String> jvmArgs;
  private final String classpath;
  private final int port;
  private final int saslPort;
  private final int sslPort;
  private int starts;
  private ChildJvm process;

  private KafkaBroker(Builder builder) {
    this.classpath = ChildJvm.classpathResource(CLASSPATH_RESOURCE, "opal4j-testkit-kafka-broker");
    this.port = FreePorts.next();
    int controllerPort = FreePorts.next();
    this.saslPort = builder.saslUsers.isEmpty() ? -1 : FreePorts.next();
    this.sslPort = builder.sslKeyAndChain == null ? -1 : FreePorts.next();
    try {
      this.dir = Files.createTempDirectory("opal4j-kafka-");
      Path log4j = dir.resolve("log4j2.properties");
      Files.writeString(log4j, LOG4J2);
      this.jvmArgs = new ArrayList<>(JVM_ARGS);
      jvmArgs.add("-Dlog4j2.configurationFile=" + log4j);
      this.config = dir.resolve("server.properties");
      Files.writeString(config, properties(controllerPort, builder));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      ChildJvm.run(classpath, jvmArgs, "kafka.tools.StorageTool",
          List.of("format", "-t", clusterId(), "-c", config.toString()),
          dir.resolve("format.log"), STARTUP);
      start();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** A started broker with one PLAINTEXT listener. */
  public static KafkaBroker launch() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code host:port} of the PLAINTEXT listener, for Kafka clients the test uses directly. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  @Override
  public URI uri() {
    return URI.create("kafka://" + bootstrapServers());
  }

  /** The SASL_PLAINTEXT (mechanism PLAIN) listener; only when the builder added users. */
  public URI saslUri() {
    if (saslPort < 0) {
      throw new IllegalStateException("this broker has no SASL listener; use builder().saslPlainUser(...)");
    }
    return URI.create("kafka://127.0.0.1:" + saslPort);
  }

  /** The SSL listener (client certificate required); only when the builder added one. */
  public URI sslUri() {
    if (sslPort < 0) {
      throw new IllegalStateException("this broker has no SSL listener; use builder().sslListener(...)");
    }
    return URI.create("kafka://127.0.0.1:" + sslPort);
  }

  @Override
  public URI unreachableUri() {
    return URI.create("kafka://127.0.0.1:" + FreePorts.next());
  }

  public long pid() {
    return process == null ? -1 : process.pid();
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
    process = ChildJvm.start(classpath, jvmArgs, "kafka.Kafka", List.of(config.toString()),
        dir.resolve("broker-" + starts + ".log"));
    try {
      process.awaitLogLine("Kafka Server started", STARTUP);
      log.info("Kafka broker pid {} on {} ready in {} ms (start #{})", process.pid(), bootstrapServers(),
          (System.nanoTime() - began) / 1_000_000, starts);
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
  }

  @Override
  public void close() {
    stop();
    if (dir != null && Boolean.getBoolean("opal4j.testkit.keepDirs")) {
      log.info("Kept Kafka broker files in {} (opal4j.testkit.keepDirs)", dir);
    } else if (dir != null) {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | UncheckedIOException ignored) {
        // best effort: a temp dir left behind is harmless
      }
    }
  }

  private String properties(int controllerPort, Builder builder) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    String listeners = "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort;
    String advertised = "PLAINTEXT://127.0.0.1:" + port;
    String protocols = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT";
    if (saslPort > 0) {
      listeners += ",SASL_PLAINTEXT://127.0.0.1:" + saslPort;
      advertised += ",SASL_PLAINTEXT://127.0.0.1:" + saslPort;
      protocols += ",SASL_PLAINTEXT:SASL_PLAINTEXT";
      p.put("sasl.enabled.mechanisms", "PLAIN");
      p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
          "org.apache.kafka.common.security.plain.PlainLoginModule required "
              + builder.saslUsers.entrySet().stream()
                  .map(u -> "user_" + u.getKey() + "=\"" + u.getValue() + "\"")
                  .collect(Collectors.joining(" "))
              + ";");
    }
    if (sslPort > 0) {
      listeners += ",SSL://127.0.0.1:" + sslPort;
      advertised += ",SSL://127.0.0.1:" + sslPort;
      protocols += ",SSL:SSL";
      p.put("listener.name.ssl.ssl.keystore.type", "PEM");
      p.put("listener.name.ssl.ssl.keystore.location", builder.sslKeyAndChain.toString());
      if (builder.sslKeyPassword != null) {
        p.put("listener.name.ssl.ssl.key.password", builder.sslKeyPassword);
      }
      p.put("listener.name.ssl.ssl.truststore.type", "PEM");
      p.put("listener.name.ssl.ssl.truststore.location", builder.sslClientCa.toString());
      p.put("listener.name.ssl.ssl.client.auth", "required");
    }
    p.put("listeners", listeners);
    p.put("advertised.listeners", advertised);
    p.put("listener.security.protocol.map", protocols);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("log.dirs", dir.resolve("data").toString());
    p.put("num.partitions", "1");
    p.put("auto.create.topics.enable", "false");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    // After a kill, the restarted broker may register only when the dead incarnation's session
    // expired (9 s by default); a short session keeps restarts at a few seconds.
    p.put("broker.session.timeout.ms", "2000");
    p.put("broker.heartbeat.interval.ms", "500");
    p.putAll(builder.properties);
    return p.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue().replace("\\", "\\\\"))
        .collect(Collectors.joining("\n", "", "\n"));
  }

  /** A KRaft cluster id: 16 random bytes, URL-safe base64 without padding. */
  private static String clusterId() {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    bytes[0] &= 0x7f; // ids that start with '-' confuse the command line
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Options for a broker that needs more than the default PLAINTEXT listener. */
  public static final class Builder {
    private final Map<String, String> saslUsers = new LinkedHashMap<>();
    private final Map<String, String> properties = new LinkedHashMap<>();
    private Path sslKeyAndChain;
    private String sslKeyPassword;
    private Path sslClientCa;

    private Builder() {}

    /**
     * Adds an SSL listener that requires a client certificate.
     *
     * @param keyAndChain PEM file with the broker's private key and certificate chain
     * @param keyPassword the key's password, or null for an unencrypted key
     * @param clientCa PEM file with the CA that signs client certificates
     */
    public Builder sslListener(Path keyAndChain, String keyPassword, Path clientCa) {
      this.sslKeyAndChain = keyAndChain;
      this.sslKeyPassword = keyPassword;
      this.sslClientCa = clientCa;
      return this;
    }

    /** Adds a SASL_PLAINTEXT listener (mechanism PLAIN) that accepts this user. */
    public Builder saslPlainUser(String user, String password) {
      saslUsers.put(user, password);
      return this;
    }

    /** Any broker property, e.g. {@code message.max.bytes}. */
    public Builder property(String name, String value) {
      properties.put(name, value);
      return this;
    }

    public KafkaBroker build() {
      return new KafkaBroker(this);
    }
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
