/**
 * A real Kafka broker for tests ({@link dev.opal4j.testkit.kafka.KafkaBroker}).
 *
 * <p>The broker is {@code org.apache.kafka:kafka_2.13} from Maven Central, run in KRaft mode in a
 * child JVM ({@code kafka.tools.StorageTool format}, then {@code kafka.Kafka}); it is up in 2-5 s.
 * Its jars never join the test's class path: the module {@code opal4j-testkit-kafka-broker} holds
 * them in {@code provided} scope and publishes only their class path, as the resource {@code
 * dev/opal4j/testkit/kafka/broker.classpath} (written by {@code dependency:build-classpath}). A
 * module whose tests need Kafka adds a test dependency on that module next to {@code
 * opal4j-testkit}.
 */
package dev.opal4j.testkit.kafka;
