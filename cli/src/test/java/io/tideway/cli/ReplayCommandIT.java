package io.tideway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.testkit.TestKafka;
import io.tideway.testkit.TidewayTest;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** {@code tideway replay} against a real broker, as an operator types it. */
@TidewayTest
class ReplayCommandIT {

  private final CapturedCommandLine cli = new CapturedCommandLine();

  @Test
  void printsThePlanOfADryRunThenCopies(TestKafka kafka) {
    String source = kafka.createTopic("order.events", 2);
    String target = kafka.createTopic("order.events.copy", 2);
    Properties props = kafka.producerProperties();
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < 4; i++) {
        producer.send(new ProducerRecord<>(source, 1, "k" + i, "v" + i));
      }
    }
    String bootstrap = kafka.bootstrapServers();

    assertThat(
            cli.run(
                "replay",
                "copy",
                "--from",
                source + ":1@1",
                "--to",
                target,
                "--dry-run",
                "--bootstrap-server",
                bootstrap))
        .isZero();
    assertThat(cli.out())
        .contains("  partition 1: offsets 1 to 4 (3)")
        .contains("Dry run: nothing copied.");
    assertThat(
            cli.run(
                "replay",
                "copy",
                "--from",
                source,
                "--to",
                target,
                "--bootstrap-server",
                bootstrap))
        .isZero();
    assertThat(cli.out()).contains("Copied 4 record(s) from " + source + " to " + target);
  }

  @Test
  void refusesAnUnknownDeadLetterTopicWithOneLine(TestKafka kafka) {
    String missing = kafka.topicName("missing.dlq");

    int code =
        cli.run(
            "replay", "dlq", missing, "--dry-run", "--bootstrap-server", kafka.bootstrapServers());

    assertThat(code).isEqualTo(Tideway.BAD_INPUT);
    assertThat(cli.err())
        .isEqualTo("tideway replay dlq: Unknown dead-letter topic: " + missing + "\n");
  }
}
