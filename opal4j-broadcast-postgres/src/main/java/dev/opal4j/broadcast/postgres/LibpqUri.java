package dev.opal4j.broadcast.postgres;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.SocketAddresses;
import dev.opal4j.broadcast.spi.internal.UriRedaction;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Turns a libpq connection URI ({@code postgres://user:pass@host:port,host2:port/db?sslmode=...},
 * the form OPAL's Python server hands to asyncpg) into a pgjdbc URL and properties.
 *
 * <p>Only parameters with a pgjdbc equivalent are accepted; any other is refused by name, rather
 * than silently ignored (pgjdbc) or sent to the server as a session setting (asyncpg, which then
 * fails to connect). Credentials go into the properties, never into the JDBC URL.
 */
final class LibpqUri {
  static final int DEFAULT_PORT = 5432;
  /** TCP keepalive like permit-broadcaster 0.2.7: idle 30 s, probe every 10 s, give up after 3. */
  static final int DEFAULT_KEEPALIVE_IDLE = 30;
  static final int DEFAULT_KEEPALIVE_INTERVAL = 10;
  static final int DEFAULT_KEEPALIVE_COUNT = 3;
  /** Upper bound on any single read, so a half-open connection cannot hang a publish forever. */
  static final int SOCKET_TIMEOUT_SECONDS = 15;

  private static final Set<String> SSL_MODES =
      Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
  private static final Map<String, String> TARGET_SESSION_ATTRS =
      Map.of(
          "any", "any",
          "read-write", "primary",
          "primary", "primary",
          "read-only", "secondary",
          "standby", "secondary",
          "prefer-standby", "preferSecondary");
  /** libpq parameters copied as-is to a pgjdbc property. */
  private static final Map<String, String> PASS_THROUGH =
      Map.of(
          "sslrootcert", "sslrootcert",
          "sslcert", "sslcert",
          "sslkey", "sslkey",
          "sslpassword", "sslpassword",
          "options", "options",
          "application_name", "ApplicationName",
          "gssencmode", "gssEncMode",
          "channel_binding", "channelBinding",
          "sslnegotiation", "sslNegotiation");
  private static final Set<String> HANDLED =
      Set.of(
          "sslmode", "connect_timeout", "target_session_attrs", "user", "password", "dbname",
          "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count");

  private LibpqUri() {}

  /** Every query parameter this backend understands, sorted, for error messages. */
  static List<String> supportedParameters() {
    List<String> all = new ArrayList<>(PASS_THROUGH.keySet());
    all.addAll(HANDLED);
    all.sort(null);
    return all;
  }

  static PgConnectionSpec toJdbc(URI uri) throws BroadcastConfigurationException {
    String redacted = UriRedaction.redact(uri.toString());
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("postgres") && !scheme.equals("postgresql")) {
      throw new BroadcastConfigurationException(
          "OPAL_BROADCAST_URI '" + redacted + "' is not a postgres:// or postgresql:// URI");
    }
    if (uri.isOpaque()) {
      throw new BroadcastConfigurationException(
          "OPAL_BROADCAST_URI '" + redacted + "' must look like postgres://user:password@host:port/database");
    }
    Properties props = new Properties();
    props.setProperty("tcpKeepAlive", "true");
    props.setProperty("ApplicationName", "opal4j");
    props.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));

    String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      authority = authority.substring(at + 1);
      int colon = userInfo.indexOf(':');
      String user = colon >= 0 ? userInfo.substring(0, colon) : userInfo;
      if (!user.isEmpty()) {
        props.setProperty("user", decode(user, "user name", redacted));
      }
      if (colon >= 0) {
        props.setProperty("password", decode(userInfo.substring(colon + 1), "password", redacted));
      }
    }
    List<String> hosts = hosts(authority, redacted);

    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String database = path.startsWith("/") ? path.substring(1) : path;
    if (database.contains("/")) {
      throw new BroadcastConfigurationException(
          "OPAL_BROADCAST_URI '" + redacted + "': the path must be a single database name");
    }
    database = decode(database, "database name", redacted);

    Map<String, String> params = query(uri.getRawQuery(), redacted);
    int[] keepalive = {DEFAULT_KEEPALIVE_IDLE, DEFAULT_KEEPALIVE_INTERVAL, DEFAULT_KEEPALIVE_COUNT};
    for (Map.Entry<String, String> param : params.entrySet()) {
      String name = param.getKey();
      String value = param.getValue();
      String jdbcName = PASS_THROUGH.get(name);
      if (jdbcName != null) {
        props.setProperty(jdbcName, value);
        continue;
      }
      switch (name) {
        case "sslmode" -> {
          if (!SSL_MODES.contains(value)) {
            throw invalid(name, value, "one of " + String.join(", ", SSL_MODES.stream().sorted().toList()), redacted);
          }
          props.setProperty("sslmode", value);
        }
        case "connect_timeout" -> props.setProperty("connectTimeout", Integer.toString(nonNegative(name, value, redacted)));
        case "target_session_attrs" -> {
          String type = TARGET_SESSION_ATTRS.get(value);
          if (type == null) {
            throw invalid(name, value, "one of " + String.join(", ", TARGET_SESSION_ATTRS.keySet().stream().sorted().toList()), redacted);
          }
          props.setProperty("targetServerType", type);
        }
        case "user" -> props.setProperty("user", value);
        case "password" -> props.setProperty("password", value);
        case "dbname" -> database = value;
        case "keepalives" -> props.setProperty("tcpKeepAlive", Boolean.toString(nonNegative(name, value, redacted) != 0));
        case "keepalives_idle" -> keepalive[0] = positive(name, value, redacted);
        case "keepalives_interval" -> keepalive[1] = positive(name, value, redacted);
        case "keepalives_count" -> keepalive[2] = positive(name, value, redacted);
        default ->
            throw new BroadcastConfigurationException(
                "OPAL_BROADCAST_URI '" + redacted + "': query parameter '" + name
                    + "' is not supported by the postgres backbone; supported: "
                    + String.join(", ", supportedParameters()));
      }
    }
    if (Boolean.parseBoolean(props.getProperty("tcpKeepAlive"))) {
      props.setProperty("socketFactory", KeepaliveSocketFactory.class.getName());
      props.setProperty("socketFactoryArg", KeepaliveSocketFactory.argument(keepalive[0], keepalive[1], keepalive[2]));
    }
    String jdbcUrl =
        "jdbc:postgresql://" + String.join(",", hosts) + "/"
            + URLEncoder.encode(database, StandardCharsets.UTF_8);
    return new PgConnectionSpec(jdbcUrl, props);
  }

  /** Every host of the URI with its port, in the order pgjdbc tries them. */
  static List<InetSocketAddress> socketAddresses(URI uri) throws BroadcastConfigurationException {
    toJdbc(uri); // refuses what can never work, as create() does
    String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
    List<InetSocketAddress> addresses = new ArrayList<>();
    for (String hostAndPort : hosts(authority.substring(authority.lastIndexOf('@') + 1),
        UriRedaction.redact(uri.toString()))) {
      addresses.add(SocketAddresses.parse(hostAndPort));
    }
    return addresses;
  }

  private static List<String> hosts(String hostList, String redacted) throws BroadcastConfigurationException {
    List<String> hosts = new ArrayList<>();
    for (String raw : hostList.split(",", -1)) {
      String host;
      String port = null;
      if (raw.startsWith("[")) {
        int end = raw.indexOf(']');
        if (end < 0) {
          throw new BroadcastConfigurationException(
              "OPAL_BROADCAST_URI '" + redacted + "': unterminated IPv6 address '" + raw + "'");
        }
        host = raw.substring(0, end + 1);
        String rest = raw.substring(end + 1);
        if (!rest.isEmpty()) {
          if (!rest.startsWith(":")) {
            throw new BroadcastConfigurationException(
                "OPAL_BROADCAST_URI '" + redacted + "': cannot read host '" + raw + "'");
          }
          port = rest.substring(1);
        }
      } else {
        int colon = raw.lastIndexOf(':');
        host = colon >= 0 ? raw.substring(0, colon) : raw;
        port = colon >= 0 ? raw.substring(colon + 1) : null;
        host = decode(host, "host", redacted);
      }
      if (host.isEmpty()) {
        host = "localhost";
      }
      int portNumber = DEFAULT_PORT;
      if (port != null && !port.isEmpty()) {
        try {
          portNumber = Integer.parseInt(port);
        } catch (NumberFormatException e) {
          portNumber = -1;
        }
        if (portNumber < 1 || portNumber > 65535) {
          throw new BroadcastConfigurationException(
              "OPAL_BROADCAST_URI '" + redacted + "': port '" + port + "' is not a number from 1 to 65535");
        }
      }
      hosts.add(host + ":" + portNumber);
    }
    return hosts;
  }

  private static Map<String, String> query(String rawQuery, String redacted) throws BroadcastConfigurationException {
    Map<String, String> params = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new BroadcastConfigurationException(
            "OPAL_BROADCAST_URI '" + redacted + "': query parameter '" + UriRedaction.redact("?" + pair).substring(1)
                + "' must be name=value");
      }
      String name = decode(pair.substring(0, eq), "parameter name", redacted);
      params.put(name, decode(pair.substring(eq + 1), "value of " + name, redacted));
    }
    return params;
  }

  private static int nonNegative(String name, String value, String redacted) throws BroadcastConfigurationException {
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(name, value, "a whole number >= 0", redacted);
  }

  private static int positive(String name, String value, String redacted) throws BroadcastConfigurationException {
    int n = nonNegative(name, value, redacted);
    if (n == 0) {
      throw invalid(name, value, "a whole number >= 1", redacted);
    }
    return n;
  }

  private static BroadcastConfigurationException invalid(String name, String value, String expected, String redacted) {
    return new BroadcastConfigurationException(
        "OPAL_BROADCAST_URI '" + redacted + "': " + name + "='" + value + "' is invalid; expected " + expected);
  }

  /** RFC 3986 percent-decoding (a '+' stays a '+', unlike form decoding). */
  static String decode(String s, String what, String redacted) throws BroadcastConfigurationException {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw badEscape(what, redacted);
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw badEscape(what, redacted);
        }
        out.write(hi * 16 + lo);
        i += 2;
      } else {
        int next = s.indexOf('%', i);
        int end = next < 0 ? s.length() : next;
        byte[] bytes = s.substring(i, end).getBytes(StandardCharsets.UTF_8);
        out.write(bytes, 0, bytes.length);
        i = end - 1;
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static BroadcastConfigurationException badEscape(String what, String redacted) {
    return new BroadcastConfigurationException(
        "OPAL_BROADCAST_URI '" + redacted + "': bad %-escape in the " + what);
  }
}
