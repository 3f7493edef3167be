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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real {@code redis-server} with no persistence in a temp directory on a free loopback port,
 * optionally protected by a password ({@code requirepass}) and extra ACL users.
 *
 * <p>Not thread-safe: one test thread drives it. Only the process this object started is ever
 * killed, by pid.
 */
public final class RedisServer implements BackboneFixture {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final Path root;
  private final Path config;
  private final Path log;
  private final int port;
  private final String password;
  private final Path tlsCertificate;
  private final boolean streams;
  private Process process;
  private boolean closed;

  private RedisServer(Path root, int port, String password, Path tlsCertificate, boolean streams) {
    this.root = root;
    this.tlsCertificate = tlsCertificate;
    this.streams = streams;
    this.config = root.resolve("redis.conf");
    this.log = root.resolve("redis.log");
    this.port = port;
    this.password = password;
  }

  /** A server with no authentication. */
  public static RedisServer launch() {
    return builder().launch();
  }

  public static Builder builder() {
    return new Builder();
  }

  public int port() {
    return port;
  }

  /**
   * The URI that reaches this server, with the {@code requirepass} password if one is set ({@code
   * redis://}, {@code rediss://} with TLS, {@code redis-stream://} or {@code rediss-stream://} when
   * built with {@link Builder#streams()}).
   */
  @Override
  public URI uri() {
    return password == null ? uri(null, null) : uri("", password);
  }

  /**
   * A URI for this server with the given credentials: {@code redis://user:password@host:port}.
   * A null user omits the user info; an empty user gives {@code redis://:password@...}.
   */
  public URI uri(String user, String pass) {
    String userInfo = "";
    if (user != null) {
      userInfo = encode(user) + (pass == null ? "" : ":" + encode(pass)) + "@";
    }
    return URI.create(scheme() + "://" + userInfo + "127.0.0.1:" + port);
  }

  /** The self-signed PEM certificate the server presents when built with {@link Builder#tls()}. */
  public Path tlsCertificate() {
    if (tlsCertificate == null) {
      throw new IllegalStateException("this redis fixture does not use TLS");
    }
    return tlsCertificate;
  }

  private String scheme() {
    return (tlsCertificate == null ? "redis" : "rediss") + (streams ? "-stream" : "");
  }

  @Override
  public URI unreachableUri() {
    return URI.create(scheme() + "://127.0.0.1:" + FreePorts.next());
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
      throw new IllegalStateException("redis fixture is closed");
    }
    if (process != null) {
      return;
    }
    try {
      process =
          new ProcessBuilder(redisServerBinary(), config.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start redis-server", e);
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
        throw new IllegalStateException("redis-server exited during start-up:\n" + FixtureProcesses.tail(log, 30));
      }
      if (answersPing()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        stop();
        throw new IllegalStateException(
            "redis-server did not answer on port " + port + " within " + READY_TIMEOUT + ":\n"
                + FixtureProcesses.tail(log, 30));
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for redis-server", e);
      }
    }
  }

  // Any reply (+PONG, or -NOAUTH when a password is required) means the server serves commands.
  private boolean answersPing() {
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      plain.setSoTimeout(1000);
      Socket socket = tlsCertificate == null ? plain : TrustAll.wrap(plain, port);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String line =
          new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      return line != null && (line.startsWith("+") || line.startsWith("-"));
    } catch (IOException e) {
      return false;
    }
  }

  private static String redisServerBinary() {
    String fromEnv = System.getenv("OPAL4J_REDIS_SERVER");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv;
    }
    for (String candidate : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    return "redis-server";
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  // Redis config syntax: a double-quoted string with backslash escapes.
  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** Options for a server that requires authentication or TLS. */
  public static final class Builder {
    private String requirePass;
    private boolean tls;
    private final Map<String, String> users = new LinkedHashMap<>();
    private final Map<String, String> directives = new LinkedHashMap<>();
    private boolean streams;

    private Builder() {}

    /**
     * The URIs this server hands out select the stream backbone ({@code redis-stream://}, {@code
     * rediss-stream://}) instead of pub/sub.
     */
    public Builder streams() {
      this.streams = true;
      return this;
    }

    /**
     * Keeps the data over {@link RedisServer#stop()} / {@link RedisServer#start()} in an append-only
     * file, as a Redis that a stream backbone resumes through a restart must (a write is in the file
     * before its reply is sent, so an abrupt kill loses nothing that was acknowledged).
     */
    public Builder persistent() {
      return config("appendonly", "yes");
    }

    /** Any {@code redis.conf} directive, e.g. {@code proto-max-bulk-len 1mb}; written unquoted. */
    public Builder config(String name, String value) {
      directives.put(name, value);
      return this;
    }

    /** Sets {@code requirepass}: the {@code default} user needs this password. */
    public Builder requirePass(String password) {
      this.requirePass = password;
      return this;
    }

    /** Adds an ACL user with full rights on every key and channel. */
    public Builder user(String name, String password) {
      return user(name, password, "~* &* +@all");
    }

    /**
     * Adds an ACL user with the given rules (Redis ACL syntax: key patterns {@code ~...}, channel
     * patterns {@code &...}, commands {@code +...}), to show what a backbone needs at least.
     */
    public Builder user(String name, String password, String rules) {
      users.put(name, quote(">" + password) + " " + rules);
      return this;
    }

    /**
     * Serves TLS only ({@code rediss://}) with a fresh self-signed certificate for 127.0.0.1 (made
     * with the {@code openssl} command); clients need no certificate of their own.
     */
    public Builder tls() {
      this.tls = true;
      return this;
    }

    public RedisServer launch() {
      Path root;
      try {
        root = Files.createTempDirectory("opal4j-redis-");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a temp dir for redis", e);
      }
      Path certificate = tls ? root.resolve("cert.pem") : null;
      RedisServer server = new RedisServer(root, FreePorts.next(), requirePass, certificate, streams);
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
      if (tls) {
        lines.add("port 0");
        lines.add("tls-port " + port);
        lines.add("tls-cert-file " + quote(root.resolve("cert.pem").toString()));
        lines.add("tls-key-file " + quote(root.resolve("key.pem").toString()));
        lines.add("tls-auth-clients no");
      } else {
        lines.add("port " + port);
      }
      lines.add("bind 127.0.0.1");
      lines.add("protected-mode no");
      lines.add("daemonize no");
      lines.add("save \"\"");
      lines.add("appendonly no");
      lines.add("dir " + quote(root.toString()));
      lines.add("logfile \"\"");
      if (requirePass != null) {
        lines.add("requirepass " + quote(requirePass));
      }
      users.forEach((name, passwordAndRules) -> lines.add("user " + name + " on " + passwordAndRules));
      directives.forEach((name, value) -> lines.add(name + " " + value));
      return String.join("\n", lines) + "\n";
    }
  }

  /** TLS for the readiness probe only: it checks that the server answers, not who it is. */
  private static final class TrustAll {
    static Socket wrap(Socket plain, int port) throws IOException {
      try {
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        javax.net.ssl.TrustManager trustAll =
            new javax.net.ssl.X509TrustManager() {
              @Override
              public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

              @Override
              public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

              @Override
              public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
              }
            };
        context.init(null, new javax.net.ssl.TrustManager[] {trustAll}, null);
        javax.net.ssl.SSLSocket tls =
            (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket(plain, "127.0.0.1", port, true);
        tls.startHandshake();
        return tls;
      } catch (java.security.GeneralSecurityException e) {
        throw new IOException(e);
      }
    }
  }
}
