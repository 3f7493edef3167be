package dev.opal4j.broadcast.nats;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.internal.UriRedaction;
import io.nats.client.Options;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * What a {@code nats://}, {@code tls://} or {@code nats+tls://} broadcast URI says: the servers,
 * the credentials (user and password, or a token as in {@code nats://TOKEN@host}), TLS, and the
 * options in its query, among them the mode: core NATS, or a JetStream stream ({@code
 * jetStream}, null for core NATS). Parsed once, without I/O; {@link #options()} turns it into
 * jnats options.
 */
record NatsEndpoint(
    List<String> servers,
    String user,
    String password,
    String token,
    boolean tls,
    Path tlsCa,
    boolean fleetLease,
    JetStreamSettings jetStream,
    String redactedUri) {

  static final int DEFAULT_PORT = 4222;
  /**
   * How long connecting (TCP, TLS and the NATS handshake) may take per server: the NATS clients'
   * default. jnats also waits this long after a refused login before it gives up.
   */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  /**
   * How often jnats PINGs an idle connection, and how many unanswered PINGs it tolerates before it
   * closes it: a silent server is noticed within 30 s even when nothing is published. Busy
   * connections notice sooner through their own round trips (a publish's confirmation, a lease
   * renewal), which time out first; the limit is kept well above them because jnats counts their
   * PINGs too, and answers a round trip that would exceed it as if it had succeeded.
   */
  static final Duration PING_INTERVAL = Duration.ofSeconds(5);
  static final int MAX_PINGS_OUT = 6;

  static final Set<String> SCHEMES = Set.of("nats", "tls", "nats+tls");
  private static final Set<String> TLS_SCHEMES = Set.of("tls", "nats+tls");
  /** {@code tlsca}: a PEM file of CA certificates (as the nats CLI's {@code --tlsca}). */
  static final String TLS_CA = "tlsca";
  /** {@code leader=jetstream} (default): a KV lease; {@code leader=node}: no fleet-wide lease. */
  static final String LEADER = "leader";
  private static final List<String> SUPPORTED = List.of(LEADER, JetStreamSettings.MAX_AGE, JetStreamSettings.MAX_BYTES,
      JetStreamSettings.MAX_MSGS, JetStreamSettings.MODE, JetStreamSettings.STREAM, TLS_CA);

  static NatsEndpoint parse(URI uri) throws BroadcastConfigurationException {
    String redacted = UriRedaction.redact(uri.toString());
    String where = "OPAL_BROADCAST_URI '" + redacted + "'";
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!SCHEMES.contains(scheme)) {
      throw new BroadcastConfigurationException(where + " is not a nats://, tls:// or nats+tls:// URI");
    }
    String authority = uri.getRawAuthority();
    if (uri.isOpaque() || authority == null || authority.isBlank()) {
      throw new BroadcastConfigurationException(
          where + " names no server; expected nats://[user:password@]host[:port][,host2[:port2]...]");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (!path.isEmpty() && !path.equals("/")) {
      throw new BroadcastConfigurationException(where + " has a path ('" + path
          + "'); a NATS URI has none: the subject is OPAL_BROADCAST_CHANNEL_NAME");
    }
    boolean tls = TLS_SCHEMES.contains(scheme);
    int at = authority.lastIndexOf('@');
    String user = null;
    String password = null;
    String token = null;
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      int colon = userInfo.indexOf(':');
      if (colon < 0) {
        token = decode(userInfo);
        if (token.isEmpty()) {
          throw new BroadcastConfigurationException(where + " has an empty token before '@'");
        }
      } else {
        user = decode(userInfo.substring(0, colon));
        password = decode(userInfo.substring(colon + 1));
        if (user.isEmpty()) {
          throw new BroadcastConfigurationException(where + " has a password but no user name; write "
              + scheme + "://user:password@host, or " + scheme + "://TOKEN@host for token authentication");
        }
      }
      authority = authority.substring(at + 1);
    }
    List<String> servers = new ArrayList<>();
    for (String entry : authority.split(",", -1)) {
      servers.add((tls ? "tls://" : "nats://") + hostAndPort(entry.trim(), where));
    }
    Map<String, String> query = query(uri, where);
    Path tlsCa = null;
    if (query.containsKey(TLS_CA)) {
      if (!tls) {
        throw new BroadcastConfigurationException(where + ": " + TLS_CA + " needs TLS; use tls://host:port");
      }
      tlsCa = Path.of(query.get(TLS_CA));
      if (!Files.isReadable(tlsCa)) {
        throw new BroadcastConfigurationException(where + ": " + TLS_CA + " file '" + tlsCa + "' cannot be read");
      }
    }
    String leader = query.getOrDefault(LEADER, "jetstream").toLowerCase(Locale.ROOT);
    if (!leader.equals("jetstream") && !leader.equals("node")) {
      throw new BroadcastConfigurationException(where + ": " + LEADER + "='" + leader
          + "' is not supported; expected 'jetstream' (a fleet-wide lease in a JetStream key-value bucket, the"
          + " default) or 'node' (no fleet-wide lease: each node's leader publishes policy updates)");
    }
    return new NatsEndpoint(List.copyOf(servers), user, password, token, tls, tlsCa, leader.equals("jetstream"),
        JetStreamSettings.from(query, where), redacted);
  }

  private static String hostAndPort(String server, String where) throws BroadcastConfigurationException {
    String host;
    String port;
    if (server.startsWith("[")) {
      int end = server.indexOf(']');
      if (end < 0) {
        throw new BroadcastConfigurationException(where + ": unclosed '[' in '" + server + "'");
      }
      host = server.substring(0, end + 1);
      String rest = server.substring(end + 1);
      port = rest.isEmpty() ? null : rest.startsWith(":") ? rest.substring(1) : "?";
    } else {
      int colon = server.lastIndexOf(':');
      host = colon < 0 ? server : server.substring(0, colon);
      port = colon < 0 ? null : server.substring(colon + 1);
    }
    if (host.isEmpty() || host.equals("[]")) {
      throw new BroadcastConfigurationException(where + ": empty host in '" + server + "'");
    }
    if (host.contains("@") || host.contains("/")) {
      throw new BroadcastConfigurationException(
          where + ": '" + host + "' is not a host name; credentials go once, before the first host");
    }
    int number = DEFAULT_PORT;
    if (port != null) {
      try {
        number = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        number = -1;
      }
      if (number < 1 || number > 65535) {
        throw new BroadcastConfigurationException(where + ": bad port in '" + server + "'");
      }
    }
    return host + ":" + number;
  }

  private static Map<String, String> query(URI uri, String where) throws BroadcastConfigurationException {
    Map<String, String> params = new LinkedHashMap<>();
    String raw = uri.getRawQuery();
    if (raw == null || raw.isEmpty()) {
      return params;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      String[] nameValue = pair.split("=", 2);
      String name = decode(nameValue[0]);
      if (!SUPPORTED.contains(name)) {
        throw new BroadcastConfigurationException(where + ": query parameter '" + name
            + "' is not supported by the nats backbone; supported: " + String.join(", ", SUPPORTED));
      }
      params.put(name, nameValue.length > 1 ? decode(nameValue[1]) : "");
    }
    return params;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /**
   * jnats options for one connection attempt to these servers, with jnats' own reconnecting off:
   * a lost connection closes for good, so that its owner learns of the gap (the supervisor resyncs;
   * an elector steps down) instead of jnats reconnecting silently past messages it never saw.
   */
  Options.Builder options(String connectionName) throws BroadcastConfigurationException {
    Options.Builder builder =
        new Options.Builder()
            .servers(servers.toArray(String[]::new))
            .noReconnect()
            .connectionName(connectionName)
            .connectionTimeout(CONNECT_TIMEOUT)
            .pingInterval(PING_INTERVAL)
            .maxPingsOut(MAX_PINGS_OUT)
            // Other cluster members the server announces are for reconnecting, which is ours to do.
            .ignoreDiscoveredServers();
    if (token != null) {
      builder.token(token.toCharArray());
    } else if (user != null) {
      builder.userInfo(user.toCharArray(), password.toCharArray());
    }
    if (tls) {
      SSLContext context = tlsCa == null ? TlsContexts.jvmDefault(redactedUri) : TlsContexts.trusting(tlsCa, redactedUri);
      builder.sslContext(TlsContexts.verifyingHostNames(context))
          // By default jnats resolves the host and connects (and verifies the certificate) by IP
          // address; this mode keeps the name, so a certificate for nats.example.com is accepted.
          .hostnameResolveMode(Options.HostnameResolveMode.HappyEyeballs);
    }
    return builder;
  }

  /** The redacted URI: a record's default text would show the password or token. */
  @Override
  public String toString() {
    return redactedUri;
  }
}
