package dev.opal4j.broadcast.kafka;

import dev.opal4j.broadcast.kafka.KafkaBroadcaster.Deadline;
import dev.opal4j.broadcast.spi.BackboneUnavailableException;
import dev.opal4j.broadcast.spi.BroadcastException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the channel's topic, creating it with one partition if it is missing. */
final class KafkaTopics {
  private static final Logger log = LoggerFactory.getLogger(KafkaTopics.class);
  /** The broker's {@code message.max.bytes} default, used when we may not read the topic config. */
  static final int DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

  /** What connect() needs to know about the topic; {@code id} changes when it is recreated. */
  record Topic(int partitions, int maxMessageBytes, org.apache.kafka.common.Uuid id) {}

  private KafkaTopics() {}

  static Topic ensure(KafkaClientConfig config, Deadline deadline) throws BroadcastException {
    Map<String, Object> props = new HashMap<>(config.security);
    props.put("bootstrap.servers", config.bootstrapServers);
    props.put("client.id", config.clientId + "-admin");
    props.put("request.timeout.ms", 5_000);
    props.put("default.api.timeout.ms", (int) deadline.remaining().toMillis());
    props.put("socket.connection.setup.timeout.ms", 5_000);
    props.put("socket.connection.setup.timeout.max.ms", 10_000);
    props.put("reconnect.backoff.max.ms", 1_000);
    try (Admin admin = Admin.create(props)) {
      TopicDescription description = describeOrCreate(admin, config, deadline);
      return new Topic(description.partitions().size(), maxMessageBytes(admin, config, deadline),
          description.topicId());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackboneUnavailableException("interrupted while connecting to Kafka", e);
    }
  }

  private static TopicDescription describeOrCreate(Admin admin, KafkaClientConfig config, Deadline deadline)
      throws BroadcastException, InterruptedException {
    boolean created = false;
    while (true) {
      try {
        return admin.describeTopics(List.of(config.topic)).allTopicNames()
            .get(deadline.remaining().toMillis(), TimeUnit.MILLISECONDS).get(config.topic);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw failure(e.getCause(), config);
        }
      } catch (java.util.concurrent.TimeoutException e) {
        throw timeout(config, e);
      }
      if (created) {
        // Created, but this broker's metadata does not show it yet.
        if (deadline.expired()) {
          throw new BackboneUnavailableException(
              "Kafka at " + config.redactedUri + " created topic '" + config.topic + "' but does not report it yet");
        }
        deadline.pause(Duration.ofMillis(100));
        continue;
      }
      create(admin, config, deadline);
      created = true;
    }
  }

  private static void create(Admin admin, KafkaClientConfig config, Deadline deadline)
      throws BroadcastException, InterruptedException {
    try {
      // One partition keeps every publisher's messages in one order; the replication factor is
      // the cluster's default.replication.factor.
      admin.createTopics(List.of(new NewTopic(config.topic, Optional.of(1), Optional.empty())))
          .all().get(deadline.remaining().toMillis(), TimeUnit.MILLISECONDS);
      log.info("Created Kafka topic '{}' with 1 partition at {}", config.topic, config.redactedUri);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        return; // another process won the race
      }
      if (e.getCause() instanceof AuthorizationException) {
        throw new BackboneUnavailableException(
            "Kafka topic '" + config.topic + "' does not exist at " + config.redactedUri + " and "
                + config.securityDescription + " may not create it; create topic '" + config.topic
                + "' with 1 partition (kafka-topics.sh --create --topic " + config.topic
                + " --partitions 1)", e.getCause());
      }
      throw failure(e.getCause(), config);
    } catch (java.util.concurrent.TimeoutException e) {
      throw timeout(config, e);
    }
  }

  /** The topic's effective {@code max.message.bytes} (its own or the broker's default). */
  private static int maxMessageBytes(Admin admin, KafkaClientConfig config, Deadline deadline)
      throws BroadcastException, InterruptedException {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, config.topic);
    try {
      Config topicConfig = admin.describeConfigs(List.of(resource)).all()
          .get(deadline.remaining().toMillis(), TimeUnit.MILLISECONDS).get(resource);
      ConfigEntry entry = topicConfig == null ? null : topicConfig.get("max.message.bytes");
      if (entry != null && entry.value() != null) {
        return Integer.parseInt(entry.value());
      }
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof AuthorizationException)) {
        throw failure(e.getCause(), config);
      }
      log.info("May not read the config of Kafka topic '{}'; assuming max.message.bytes {}",
          config.topic, DEFAULT_MAX_MESSAGE_BYTES);
    } catch (java.util.concurrent.TimeoutException e) {
      throw timeout(config, e);
    } catch (NumberFormatException e) {
      log.warn("Kafka topic '{}' reports an unreadable max.message.bytes; assuming {}",
          config.topic, DEFAULT_MAX_MESSAGE_BYTES);
    }
    return DEFAULT_MAX_MESSAGE_BYTES;
  }

  private static BroadcastException timeout(KafkaClientConfig config, Exception e) {
    return new BackboneUnavailableException(
        "Kafka at " + config.redactedUri + " did not answer within "
            + KafkaBroadcaster.CONNECT_TIMEOUT.toSeconds() + " s", e);
  }

  private static BroadcastException failure(Throwable cause, KafkaClientConfig config) {
    if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
      return timeout(config, (Exception) cause);
    }
    if (cause instanceof org.apache.kafka.common.errors.AuthenticationException) {
      return new BackboneUnavailableException(
          "Kafka at " + config.redactedUri + " refused authentication (" + config.securityDescription
              + "): " + cause.getMessage(), cause);
    }
    if (cause instanceof AuthorizationException) {
      return new BackboneUnavailableException(
          "Kafka at " + config.redactedUri + " does not allow " + config.securityDescription
              + " to describe topic '" + config.topic + "': " + cause.getMessage(), cause);
    }
    return new BackboneUnavailableException(
        "connecting to Kafka at " + config.redactedUri + " failed: " + cause, cause);
  }
}
