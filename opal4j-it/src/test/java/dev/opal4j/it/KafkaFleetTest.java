package dev.opal4j.it;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.kafka.KafkaBroker;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

class KafkaFleetTest extends FleetDeliveryContract {
  @Override
  protected BackboneFixture startBackbone() {
    return KafkaBroker.builder().property("message.max.bytes", Integer.toString(configuredLimitBytes())).build();
  }

  @Override
  protected int configuredLimitBytes() {
    return 32 * 1024;
  }

  @Override
  protected void injectWithNativeTool(BackboneFixture backbone, String channel, String message) throws Exception {
    inject(backbone, channel, message);
  }

  /** A plain Kafka producer, as OPAL's Python server (aiokafka) sends: null key, UTF-8 JSON value. */
  static void inject(BackboneFixture backbone, String channel, String message) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", ((KafkaBroker) backbone).bootstrapServers());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(channel, null, message)).get(30, TimeUnit.SECONDS);
    }
  }
}
