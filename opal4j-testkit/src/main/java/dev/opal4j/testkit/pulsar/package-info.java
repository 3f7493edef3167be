/**
 * A real Apache Pulsar for tests ({@link dev.opal4j.testkit.pulsar.PulsarBroker}).
 *
 * <p>The broker is {@code org.apache.pulsar:pulsar-broker} from Maven Central (with {@code
 * org.apache.pulsar:pulsar} as its BOM), run as {@code PulsarStandaloneStarter} in a child JVM with
 * RocksDB metadata and one embedded bookie; it is ready in about 10 s (about 240 MB of jars on a
 * cold cache). Its jars never join the test's class path: the module {@code
 * opal4j-testkit-pulsar-broker} holds them in {@code provided} scope (and does not inherit
 * opal4j-parent, whose managed netty/jackson versions would break the broker) and publishes only
 * their class path, as the resource {@code dev/opal4j/testkit/pulsar/broker.classpath}. A module
 * whose tests need Pulsar adds a test dependency on that module next to {@code opal4j-testkit}.
 */
package dev.opal4j.testkit.pulsar;
