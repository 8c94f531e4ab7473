package io.tideway.loadtest;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The broker's own cost: a producer sends to a fresh topic, and a record is complete when the
 * broker acknowledges it (with {@code acks=all} unless overridden). The floor every other scenario
 * stands on.
 */
public final class ProduceScenario implements Scenario {

  /** The name on the command line and in reports. */
  public static final String NAME = "produce";

  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final Map<String, String> producerSettings;

  /**
   * @param producerOverrides producer settings on top of {@link ProducerSettings#DEFAULTS}
   */
  public ProduceScenario(Map<String, String> producerOverrides) {
    this.producerSettings = ProducerSettings.withOverrides(producerOverrides);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("producer", producerSettings);
    return settings;
  }

  @Override
  public Workload start(RunContext context) throws Exception {
    String topic = context.createTopic("in");
    Producer<byte[], byte[]> producer =
        new KafkaProducer<>(context.producerProperties("producer", producerSettings));
    return new Workload() {
      @Override
      public void send(long sequence, long intendedNanos) {
        producer.send(
            new ProducerRecord<>(topic, context.payload(sequence, intendedNanos)),
            (metadata, e) -> {
              if (e == null) {
                context.completed(intendedNanos);
              } else {
                context.fail(e);
              }
            });
      }

      @Override
      public void close() {
        producer.close(CLOSE_TIMEOUT);
      }
    };
  }
}
