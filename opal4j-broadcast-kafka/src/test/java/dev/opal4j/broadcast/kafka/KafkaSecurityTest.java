package dev.opal4j.broadcast.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.testkit.kafka.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OPAL's {@code KAFKA_*} SASL variables against a real broker with a SASL_PLAINTEXT listener and
 * ACLs: user {@code opal} may read, write and describe {@code EventNotifier*} topics but not create
 * them or read their configs.
 */
class KafkaSecurityTest {
  private static final String PASSWORD = "s3cret-\"quoted\"";
  private static KafkaBroker kafka;
  private static Admin admin;
  private final List<Broadcaster> opened = new ArrayList<>();

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = KafkaBroker.builder()
        .saslPlainUser("opal", PASSWORD.replace("\"", "\\\""))
        .property("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
        // The PLAINTEXT and controller listeners authenticate nobody: ANONYMOUS is the admin.
        .property("super.users", "User:ANONYMOUS")
        .build();
    admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    ResourcePattern topics = new ResourcePattern(ResourceType.TOPIC, "EventNotifier", PatternType.PREFIXED);
    List<AclBinding> acls = new ArrayList<>();
    for (AclOperation op : List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE)) {
      acls.add(new AclBinding(topics, new AccessControlEntry("User:opal", "*", op, AclPermissionType.ALLOW)));
    }
    admin.createAcls(acls).all().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stopKafka() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(2));
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @AfterEach
  void close() {
    opened.forEach(Broadcaster::close);
  }

  @Test
  void saslPlainCredentialsFromTheKafkaVariablesLetPeersExchangeMessages() throws Exception {
    String channel = existingTopic();
    List<String> heard = new CopyOnWriteArrayList<>();
    Broadcaster a = broadcaster(channel, sasl(PASSWORD), heard);
    Broadcaster b = broadcaster(channel, sasl(PASSWORD), new CopyOnWriteArrayList<>());
    a.connect();
    b.connect();

    b.publish("{\"data\":\"over SASL\"}").get(10, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(20)).until(() -> heard.contains("{\"data\":\"over SASL\"}"));
    // opal may not read topic configs: the limit falls back to the broker default.
    assertThat(a.maxMessageBytes())
        .isEqualTo(KafkaTopics.DEFAULT_MAX_MESSAGE_BYTES - KafkaBroadcaster.BATCH_OVERHEAD);
  }

  @Test
  void aWrongPasswordFailsAsUnavailableWithoutRevealingThePassword() throws Exception {
    Broadcaster broadcaster = broadcaster(existingTopic(), sasl("wrong-password-123"), new ArrayList<>());

    assertThatThrownBy(broadcaster::connect)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("refused authentication")
        .hasMessageContaining("user 'opal'")
        .hasMessageNotContaining("wrong-password-123");
  }

  @Test
  void aMissingTopicThatMayNotBeCreatedTellsTheOperatorToCreateItWithOnePartition() throws Exception {
    String channel = KafkaBroadcasterTest.channel();
    Broadcaster broadcaster = broadcaster(channel, sasl(PASSWORD), new ArrayList<>());

    assertThatThrownBy(broadcaster::connect)
        .isInstanceOf(BackboneUnavailableException.class)
        .hasMessageContaining("create topic '" + channel + "' with 1 partition");
  }

  private static String existingTopic() throws Exception {
    String channel = KafkaBroadcasterTest.channel();
    admin.createTopics(List.of(new NewTopic(channel, 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
    return channel;
  }

  private static Map<String, String> sasl(String password) {
    return Map.of(
        "KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
        "KAFKA_PLAIN_USERNAME", "opal",
        "KAFKA_PLAIN_PASSWORD", password);
  }

  private Broadcaster broadcaster(String channel, Map<String, String> env, List<String> heard) throws Exception {
    BroadcastSettings settings = new BroadcastSettings(kafka.saslUri(), channel, UUID.randomUUID().toString(), env);
    Broadcaster broadcaster = new KafkaBroadcasterFactory().create(settings, new BroadcastListener() {
      @Override
      public void onMessage(String message) {
        heard.add(message);
      }

      @Override
      public void onConnectionLost(Throwable cause) {}
    });
    opened.add(broadcaster);
    return broadcaster;
  }
}
