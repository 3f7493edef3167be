package dev.opal4j.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code nats-server} on a free loopback port, with JetStream storing in a temp directory
 * (so the lease bucket of the leader election survives {@link #stop()} / {@link #start()} as it
 * would on a real server), no monitoring port, and optionally a {@code max_payload}, a user and
 * password or a token, or TLS.
 *
 * <p>Not thread-safe: one test thread drives it. Only the process this object started is ever
 * killed, by pid; the shared NATS on port 4222 is never touched.
 */
public final class NatsServer implements BackboneFixture {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final Path root;
  private final Path config;
  private final Path log;
  private final int port;
  private final String user;
  private final String password;
  private final String token;
  private final Path tlsCertificate;
  private final String query;
  private Process process;
  private boolean closed;

  private NatsServer(Path root, int port, String user, String password, String token, Path tlsCertificate,
      String query) {
    this.root = root;
    this.config = root.resolve("nats.conf");
    this.log = root.resolve("nats.log");
    this.port = port;
    this.user = user;
    this.password = password;
    this.token = token;
    this.tlsCertificate = tlsCertificate;
    this.query = query;
  }

  /** A server with JetStream, no authentication and the default 1 MiB {@code max_payload}. */
  public static NatsServer launch() {
    return builder().launch();
  }

  public static Builder builder() {
    return new Builder();
  }

  public int port() {
    return port;
  }

  /** The pid of the running server (for {@link ServerFreeze#ofPid}), or -1 while stopped. */
  public long pid() {
    return process == null ? -1 : process.pid();
  }

  /**
   * A URI for this server with the given credentials: {@code nats://user:password@host:port}, or
   * {@code nats://password@host:port} (a token) when the user is null.
   */
  public URI uri(String userName, String pass) {
    String userInfo = userName == null ? encode(pass) : encode(userName) + ":" + encode(pass);
    return URI.create(scheme() + "://" + userInfo + "@127.0.0.1:" + port + query);
  }

  /** The URI that reaches this server, with its (first) user and password or token if it requires one. */
  @Override
  public URI uri() {
    if (token != null) {
      return URI.create(scheme() + "://" + encode(token) + "@127.0.0.1:" + port + query);
    }
    if (user != null) {
      return URI.create(scheme() + "://" + encode(user) + ":" + encode(password) + "@127.0.0.1:" + port + query);
    }
    return URI.create(scheme() + "://127.0.0.1:" + port + query);
  }

  /** The self-signed PEM certificate the server presents when built with {@link Builder#tls()}. */
  public Path tlsCertificate() {
    if (tlsCertificate == null) {
      throw new IllegalStateException("this nats fixture does not use TLS");
    }
    return tlsCertificate;
  }

  private String scheme() {
    return tlsCertificate == null ? "nats" : "tls";
  }

  @Override
  public URI unreachableUri() {
    return URI.create(scheme() + "://127.0.0.1:" + FreePorts.next() + query);
  }

  /**
   * Publishes one message on a subject over a raw socket in NATS's own text protocol ({@code
   * CONNECT}, {@code PUB}, {@code PING}), as any other NATS client would, and returns once the
   * server answered the {@code PING}, so the message has been routed to the subscribers. Plain
   * (non-TLS) servers only.
   */
  public void publish(String subject, String message) {
    if (tlsCertificate != null) {
      throw new IllegalStateException("raw publish is for plain servers only");
    }
    byte[] payload = message.getBytes(StandardCharsets.UTF_8);
    StringBuilder connect = new StringBuilder("{\"verbose\":false,\"pedantic\":false");
    if (token != null) {
      connect.append(",\"auth_token\":").append(jsonString(token));
    }
    if (user != null) {
      connect.append(",\"user\":").append(jsonString(user)).append(",\"pass\":").append(jsonString(password));
    }
    connect.append('}');
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
      socket.setSoTimeout(10_000);
      BufferedReader in =
          new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String info = in.readLine();
      if (info == null || !info.startsWith("INFO ")) {
        throw new IllegalStateException("nats-server did not greet with INFO: " + info);
      }
      OutputStream out = socket.getOutputStream();
      out.write(("CONNECT " + connect + "\r\nPUB " + subject + " " + payload.length + "\r\n")
          .getBytes(StandardCharsets.UTF_8));
      out.write(payload);
      out.write("\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String reply = in.readLine();
      if (!"PONG".equals(reply)) {
        throw new IllegalStateException("nats-server refused the raw PUB: " + reply);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot publish to nats-server on port " + port, e);
    }
  }

  /** SIGKILL: the kernel closes every client socket at once. */
  @Override
  public void stop() {
    if (process == null) {
      return;
    }
    FixtureProcesses.killTree(process.toHandle(), Duration.ofSeconds(10));
    process = null;
  }

  @Override
  public void start() {
    if (closed) {
      throw new IllegalStateException("nats fixture is closed");
    }
    if (process != null) {
      return;
    }
    try {
      process =
          new ProcessBuilder(natsServerBinary(), "-c", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start nats-server", e);
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

  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        process = null;
        throw new IllegalStateException("nats-server exited during start-up:\n" + FixtureProcesses.tail(log, 30));
      }
      if (greets()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        stop();
        throw new IllegalStateException(
            "nats-server did not answer on port " + port + " within " + READY_TIMEOUT + ":\n"
                + FixtureProcesses.tail(log, 30));
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for nats-server", e);
      }
    }
  }

  // The server sends INFO (in plain text, also when TLS is required) once it serves clients;
  // JetStream is enabled before the client port opens.
  private boolean greets() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      socket.setSoTimeout(1000);
      String line =
          new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      return line != null && line.startsWith("INFO ");
    } catch (IOException e) {
      return false;
    }
  }

  private static String natsServerBinary() {
    String fromEnv = System.getenv("OPAL4J_NATS_SERVER");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv;
    }
    for (String candidate : List.of("/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    return "nats-server";
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  // Both the server's config syntax and the CONNECT JSON take a double-quoted string with escapes.
  private static String jsonString(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** Options for a server with a payload limit, authentication, TLS or no JetStream. */
  public static final class Builder {
    private int maxPayload = -1;
    private final List<User> users = new ArrayList<>();
    private String token;
    private boolean tls;
    private boolean jetStream = true;
    private String query = "";

    private Builder() {}

    /**
     * The URIs this server hands out select the JetStream backbone ({@code ?mode=jetstream}) instead
     * of core NATS.
     */
    public Builder jetStreamBackbone() {
      this.query = "?mode=jetstream";
      return this;
    }

    /** The server's {@code max_payload}: the largest message it accepts, announced in INFO. */
    public Builder maxPayload(int bytes) {
      this.maxPayload = bytes;
      return this;
    }

    /** Adds a user with every permission: clients must then log in as one of the users. */
    public Builder user(String name, String pass) {
      return user(name, pass, List.of(), List.of());
    }

    /**
     * Adds a user who may not publish to the subjects {@code denyPublish} nor subscribe to {@code
     * denySubscribe} (the server answers such a PUB or SUB with {@code -ERR 'Permissions
     * Violation ...'} and keeps the connection).
     */
    public Builder user(String name, String pass, List<String> denyPublish, List<String> denySubscribe) {
      users.add(new User(name, pass, "deny", List.copyOf(denyPublish), List.copyOf(denySubscribe)));
      this.token = null;
      return this;
    }

    /**
     * Adds a user who may publish to the subjects {@code publish} and subscribe to {@code subscribe}
     * only (wildcards allowed), to show what a backbone needs at least.
     */
    public Builder userAllowedOnly(String name, String pass, List<String> publish, List<String> subscribe) {
      users.add(new User(name, pass, "allow", List.copyOf(publish), List.copyOf(subscribe)));
      this.token = null;
      return this;
    }

    /** Requires this token of every client ({@code nats://token@host}). */
    public Builder token(String value) {
      this.token = value;
      this.users.clear();
      return this;
    }

    /**
     * Requires TLS ({@code tls://}) with a fresh self-signed certificate for 127.0.0.1 (made with the
     * {@code openssl} command); clients need no certificate of their own.
     */
    public Builder tls() {
      this.tls = true;
      return this;
    }

    /** A core-NATS-only server, as an operator may run one: no JetStream, so no KV buckets. */
    public Builder withoutJetStream() {
      this.jetStream = false;
      return this;
    }

    public NatsServer launch() {
      Path root;
      try {
        root = Files.createTempDirectory("opal4j-nats-");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a temp dir for nats", e);
      }
      Path certificate = tls ? root.resolve("cert.pem") : null;
      User first = users.isEmpty() ? null : users.get(0);
      NatsServer server = new NatsServer(root, FreePorts.next(), first == null ? null : first.name(),
          first == null ? null : first.pass(), token, certificate, query);
      FixtureProcesses.track(server);
      try {
        if (tls) {
          TestCertificates.selfSigned(root);
        }
        Files.writeString(server.config, configText(root, server.port), StandardCharsets.UTF_8);
        server.start();
        return server;
      } catch (IOException e) {
        server.close();
        throw new UncheckedIOException(e);
      } catch (RuntimeException e) {
        server.close();
        throw e;
      }
    }

    private String configText(Path root, int port) {
      List<String> lines = new ArrayList<>();
      lines.add("listen: 127.0.0.1:" + port);
      lines.add("server_name: opal4j-test-" + port);
      if (jetStream) {
        lines.add("jetstream { store_dir: " + jsonString(root.resolve("jetstream").toString()) + " }");
      }
      if (maxPayload > 0) {
        lines.add("max_payload: " + maxPayload);
      }
      if (token != null) {
        lines.add("authorization { token: " + jsonString(token) + " }");
      } else if (!users.isEmpty()) {
        List<String> entries = new ArrayList<>();
        for (User u : users) {
          entries.add("{ user: " + jsonString(u.name()) + ", password: " + jsonString(u.pass())
              + ", permissions: { publish: { " + u.rule() + ": " + list(u.publish()) + " }, subscribe: { " + u.rule()
              + ": " + list(u.subscribe()) + " } } }");
        }
        lines.add("authorization { users: [ " + String.join(", ", entries) + " ] }");
      }
      if (tls) {
        lines.add("tls { cert_file: " + jsonString(root.resolve("cert.pem").toString()) + ", key_file: "
            + jsonString(root.resolve("key.pem").toString()) + " }");
      }
      return String.join("\n", lines) + "\n";
    }

    private static String list(List<String> subjects) {
      return "[" + String.join(", ", subjects.stream().map(NatsServer::jsonString).toList()) + "]";
    }

    /** {@code rule} is {@code deny} (the subjects are refused) or {@code allow} (only they are allowed). */
    private record User(String name, String pass, String rule, List<String> publish, List<String> subscribe) {}
  }
}
