package dev.opal4j.broadcast.kafka;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastListener;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcaster;
import dev.opal4j.broadcast.spi.BroadcasterFactory;
import dev.opal4j.broadcast.spi.LeaderElector;
import dev.opal4j.broadcast.spi.SocketAddresses;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code kafka://host1:9092,host2:9092}: the channel is a Kafka topic (created with one partition
 * if missing) that every process reads in full. See {@link KafkaClientConfig} for the {@code
 * KAFKA_*} variables.
 */
public final class KafkaBroadcasterFactory implements BroadcasterFactory {
  @Override
  public Set<String> schemes() {
    return Set.of("kafka");
  }

  @Override
  public void validate(BroadcastSettings settings) throws BroadcastConfigurationException {
    KafkaClientConfig.from(settings);
  }

  @Override
  public Broadcaster create(BroadcastSettings settings, BroadcastListener listener)
      throws BroadcastConfigurationException {
    return new KafkaBroadcaster(KafkaClientConfig.from(settings), listener);
  }

  /** The bootstrap servers: the brokers a client dials first, before it learns the cluster's own addresses. */
  @Override
  public List<InetSocketAddress> socketAddresses(BroadcastSettings settings) throws BroadcastConfigurationException {
    List<InetSocketAddress> addresses = new ArrayList<>();
    for (String server : KafkaClientConfig.from(settings).bootstrapServers.split(",")) {
      addresses.add(SocketAddresses.parse(server));
    }
    return addresses;
  }

  /** See {@link KafkaLeaderElector}: the owner of a one-partition topic in a consumer group. */
  @Override
  public Optional<LeaderElector> leaderElector(BroadcastSettings settings, String electionName)
      throws BroadcastConfigurationException {
    return Optional.of(new KafkaLeaderElector(KafkaClientConfig.from(settings), settings.channel(), electionName));
  }
}
