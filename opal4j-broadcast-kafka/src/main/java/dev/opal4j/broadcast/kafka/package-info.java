/**
 * The {@code kafka://host1:9092,host2:9092} backbone, wire-compatible with OPAL's aiokafka
 * backend: the topic is the channel name, the value is the UTF-8 JSON text and the key is null.
 *
 * <p>Every process receives every message: there is no consumer group; each broadcaster assigns
 * itself all partitions of the topic and starts at their end. Security comes from OPAL's {@code
 * KAFKA_*} environment variables. Only {@link dev.opal4j.broadcast.kafka.KafkaBroadcasterFactory}
 * is public; it is found through {@link java.util.ServiceLoader}.
 */
package dev.opal4j.broadcast.kafka;
