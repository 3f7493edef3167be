package dev.opal4j.broadcast.kafka;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a {@code kafka://} broadcaster connects with, parsed from the URI and OPAL's {@code KAFKA_*}
 * variables (no {@code OPAL_} prefix, as in permit-broadcaster):
 *
 * <ul>
 *   <li>{@code KAFKA_SECURITY_PROTOCOL}: {@code PLAINTEXT} (default), {@code SSL}, {@code
 *       SASL_PLAINTEXT}, {@code SASL_SSL};
 *   <li>{@code KAFKA_SASL_MECHANISM}: {@code PLAIN} (default), {@code SCRAM-SHA-256}, {@code
 *       SCRAM-SHA-512}, with {@code KAFKA_PLAIN_USERNAME} and {@code KAFKA_PLAIN_PASSWORD};
 *   <li>{@code KAFKA_SSL_CAFILE} / {@code KAFKA_SSL_CAPATH}: PEM CA certificates (default: the
 *       JVM's trust store), {@code KAFKA_SSL_CERTFILE} / {@code KAFKA_SSL_KEYFILE} / {@code
 *       KAFKA_SSL_KEY_PASSWORD}: a PEM client certificate and PKCS#8 key for mutual TLS.
 * </ul>
 *
 * <p>As in OPAL, SASL variables are used only with a {@code SASL_*} protocol and SSL variables only
 * with {@code SSL} / {@code SASL_SSL}. Immutable.
 */
final class KafkaClientConfig {
  static final int DEFAULT_PORT = 9092;
  private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
  private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
  private static final Pattern PEM_BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----[\\s\\S]*?-----END \\1-----");

  final String bootstrapServers;
  final String topic;
  final String clientId;
  final String redactedUri;
  /** {@code security.protocol}, {@code sasl.*} and {@code ssl.*} client properties. */
  final Map<String, Object> security;
  /** For log lines: protocol and SASL user, never the password. */
  final String securityDescription;

  private KafkaClientConfig(
      String bootstrapServers, String topic, String clientId, String redactedUri,
      Map<String, Object> security, String securityDescription) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.clientId = clientId;
    this.redactedUri = redactedUri;
    this.security = Map.copyOf(security);
    this.securityDescription = securityDescription;
  }

  /** The same connection for another topic (a name built from the already validated channel). */
  KafkaClientConfig withTopic(String otherTopic) throws BroadcastConfigurationException {
    if (!LEGAL_TOPIC.matcher(otherTopic).matches()) {
      throw new BroadcastConfigurationException(
          "Kafka topic '" + otherTopic + "' is not legal (1 to 249 of the characters a-z A-Z 0-9 . _ -)");
    }
    return new KafkaClientConfig(bootstrapServers, otherTopic, clientId, redactedUri, security, securityDescription);
  }

  static KafkaClientConfig from(BroadcastSettings settings) throws BroadcastConfigurationException {
    String topic = settings.channel();
    if (!LEGAL_TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
      throw new BroadcastConfigurationException(
          "OPAL_BROADCAST_CHANNEL_NAME '" + topic + "' is not a legal Kafka topic name "
              + "(1 to 249 of the characters a-z A-Z 0-9 . _ -)");
    }
    Map<String, Object> security = new LinkedHashMap<>();
    String description = security(settings, security);
    return new KafkaClientConfig(
        bootstrapServers(settings), topic, "opal4j-" + settings.instanceId(),
        settings.redactedUri(), security, description);
  }

  /** {@code kafka://h1:9092,h2,[::1]:9093} becomes {@code h1:9092,h2:9092,[::1]:9093}. */
  static String bootstrapServers(BroadcastSettings settings) throws BroadcastConfigurationException {
    String authority = settings.uri().getRawAuthority();
    String where = "OPAL_BROADCAST_URI '" + settings.redactedUri() + "'";
    if (authority == null || authority.isBlank()) {
      throw new BroadcastConfigurationException(where + " names no broker; expected kafka://host1:9092,host2:9092");
    }
    if (authority.contains("@")) {
      throw new BroadcastConfigurationException(
          where + " contains credentials, which Kafka does not take from the URI; set "
              + "KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT (or SASL_SSL), KAFKA_PLAIN_USERNAME and "
              + "KAFKA_PLAIN_PASSWORD instead");
    }
    List<String> servers = new ArrayList<>();
    for (String entry : authority.split(",")) {
      String server = entry.trim();
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
      servers.add(host + ":" + number);
    }
    return String.join(",", servers);
  }

  private static String security(BroadcastSettings settings, Map<String, Object> props)
      throws BroadcastConfigurationException {
    String protocol = settings.env("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").trim().toUpperCase(Locale.ROOT);
    if (!PROTOCOLS.contains(protocol)) {
      throw new BroadcastConfigurationException(
          "KAFKA_SECURITY_PROTOCOL '" + protocol + "' is not one of " + String.join(", ", PROTOCOLS.stream().sorted().toList()));
    }
    props.put("security.protocol", protocol);
    String description = protocol;
    if (protocol.startsWith("SASL_")) {
      description += sasl(settings, props);
    }
    if (protocol.endsWith("SSL")) {
      ssl(settings, props);
    }
    return description;
  }

  private static String sasl(BroadcastSettings settings, Map<String, Object> props)
      throws BroadcastConfigurationException {
    String mechanism = settings.env("KAFKA_SASL_MECHANISM", "PLAIN").trim().toUpperCase(Locale.ROOT);
    String module = switch (mechanism) {
      case "PLAIN" -> "org.apache.kafka.common.security.plain.PlainLoginModule";
      case "SCRAM-SHA-256", "SCRAM-SHA-512" -> "org.apache.kafka.common.security.scram.ScramLoginModule";
      default -> throw new BroadcastConfigurationException(
          "KAFKA_SASL_MECHANISM '" + mechanism + "' is not supported; use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
    };
    String user = settings.env("KAFKA_PLAIN_USERNAME", null);
    String password = settings.env("KAFKA_PLAIN_PASSWORD", null);
    if (user == null || password == null) {
      throw new BroadcastConfigurationException(
          "KAFKA_SECURITY_PROTOCOL " + props.get("security.protocol") + " with mechanism " + mechanism
              + " needs " + (user == null ? "KAFKA_PLAIN_USERNAME" : "")
              + (user == null && password == null ? " and " : "")
              + (password == null ? "KAFKA_PLAIN_PASSWORD" : ""));
    }
    props.put("sasl.mechanism", mechanism);
    props.put("sasl.jaas.config",
        module + " required username=\"" + jaasQuote(user) + "\" password=\"" + jaasQuote(password) + "\";");
    return " " + mechanism + " user '" + user + "'";
  }

  private static void ssl(BroadcastSettings settings, Map<String, Object> props)
      throws BroadcastConfigurationException {
    List<String> cas = new ArrayList<>();
    String cafile = settings.env("KAFKA_SSL_CAFILE", null);
    if (cafile != null) {
      cas.addAll(pemBlocks("KAFKA_SSL_CAFILE", read("KAFKA_SSL_CAFILE", Path.of(cafile)), "CERTIFICATE"));
    }
    String capath = settings.env("KAFKA_SSL_CAPATH", null);
    if (capath != null) {
      cas.addAll(certificatesIn(Path.of(capath)));
    }
    if (cafile != null || capath != null) {
      if (cas.isEmpty()) {
        throw new BroadcastConfigurationException(
            "KAFKA_SSL_CAFILE / KAFKA_SSL_CAPATH contain no PEM certificate");
      }
      props.put("ssl.truststore.type", "PEM");
      // The same certificate may be in both, or twice in the directory under OpenSSL's hash links.
      props.put("ssl.truststore.certificates", String.join("\n", cas.stream().distinct().toList()));
    }
    String certfile = settings.env("KAFKA_SSL_CERTFILE", null);
    String keyfile = settings.env("KAFKA_SSL_KEYFILE", null);
    if (certfile == null && keyfile != null) {
      throw new BroadcastConfigurationException("KAFKA_SSL_KEYFILE is set without KAFKA_SSL_CERTFILE");
    }
    if (certfile != null) {
      String certText = read("KAFKA_SSL_CERTFILE", Path.of(certfile));
      List<String> chain = pemBlocks("KAFKA_SSL_CERTFILE", certText, "CERTIFICATE");
      if (chain.isEmpty()) {
        throw new BroadcastConfigurationException("KAFKA_SSL_CERTFILE '" + certfile + "' holds no PEM certificate");
      }
      // Like Python's load_cert_chain: without a key file, the key is in the certificate file.
      String keyVar = keyfile == null ? "KAFKA_SSL_CERTFILE" : "KAFKA_SSL_KEYFILE";
      String keyText = keyfile == null ? certText : read("KAFKA_SSL_KEYFILE", Path.of(keyfile));
      props.put("ssl.keystore.type", "PEM");
      props.put("ssl.keystore.certificate.chain", String.join("\n", chain));
      props.put("ssl.keystore.key", privateKey(keyVar, keyText));
      String keyPassword = settings.env("KAFKA_SSL_KEY_PASSWORD", null);
      if (keyPassword != null) {
        props.put("ssl.key.password", keyPassword);
      }
    }
  }

  private static String privateKey(String variable, String text) throws BroadcastConfigurationException {
    Matcher m = PEM_BLOCK.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      if (type.equals("PRIVATE KEY") || type.equals("ENCRYPTED PRIVATE KEY")) {
        return m.group();
      }
      if (type.endsWith("PRIVATE KEY")) {
        // Kafka reads PKCS#8 only; Python also accepts the traditional OpenSSL formats.
        throw new BroadcastConfigurationException(
            variable + " holds a '" + type + "' key; Kafka's Java client needs PKCS#8 "
                + "(BEGIN PRIVATE KEY or BEGIN ENCRYPTED PRIVATE KEY); convert it with "
                + "'openssl pkcs8 -topk8 -in key.pem -out key-pkcs8.pem' (add -nocrypt for no password)");
      }
    }
    throw new BroadcastConfigurationException(variable + " holds no PEM private key");
  }

  private static List<String> certificatesIn(Path dir) throws BroadcastConfigurationException {
    if (!Files.isDirectory(dir)) {
      throw new BroadcastConfigurationException("KAFKA_SSL_CAPATH '" + dir + "' is not a directory");
    }
    List<String> certs = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.sorted().toList()) {
        if (Files.isRegularFile(file) && Files.isReadable(file)) {
          certs.addAll(pemBlocks("KAFKA_SSL_CAPATH", Files.readString(file, StandardCharsets.ISO_8859_1), "CERTIFICATE"));
        }
      }
    } catch (IOException e) {
      throw new BroadcastConfigurationException("KAFKA_SSL_CAPATH '" + dir + "' cannot be read: " + e.getMessage(), e);
    }
    return certs;
  }

  private static List<String> pemBlocks(String variable, String text, String type) {
    List<String> blocks = new ArrayList<>();
    Matcher m = PEM_BLOCK.matcher(text);
    while (m.find()) {
      if (m.group(1).equals(type)) {
        blocks.add(m.group());
      }
    }
    return blocks;
  }

  private static String read(String variable, Path file) throws BroadcastConfigurationException {
    try {
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new BroadcastConfigurationException(
          variable + " '" + file + "' cannot be read: " + e.getClass().getSimpleName() + " " + e.getMessage(), e);
    }
  }

  /** Escapes a value for a double-quoted JAAS option. */
  private static String jaasQuote(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
