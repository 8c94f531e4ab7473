package io.tideway.topology.runtime.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.schemas.client.RegistryException;
import io.tideway.topology.DeploymentContext;
import io.tideway.topology.EventHeaders;
import io.tideway.topology.SideEffects;
import io.tideway.topology.dedupe.Deduplicate;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeadLetterProductionHandlerTest {

  private static final String DEAD_LETTERS = "orders.dlq";

  /** What the output serializer does with a value: serialize it, or fail as the value says. */
  private static final Serializer<String> OUTPUT =
      (topic, value) -> {
        if (value.equals("unserializable")) {
          throw new SerializationException("no schema fits " + value);
        }
        if (value.equals("registry-down")) {
          throw new SerializationException(
              "Could not register the schema",
              new RegistryException(
                  503, RegistryException.STORE_ERROR, "The schema registry is unreachable"));
        }
        return value.getBytes(StandardCharsets.UTF_8);
      };

  private boolean live = true;
  private TopologyTestDriver driver;
  private TestInputTopic<String, String> in;
  private TestOutputTopic<String, String> out;
  private TestOutputTopic<String, String> deadLetters;

  @BeforeEach
  void start() {
    StreamsBuilder builder = DeploymentContext.of("orders", Map.of()).streamsBuilder();
    Deduplicate.<String, String>byEventId("orders-dedupe")
        .apply(builder.stream("events", Consumed.with(Serdes.String(), Serdes.String())))
        .to(
            "unique",
            Produced.with(Serdes.String(), Serdes.serdeFrom(OUTPUT, new StringDeserializer())));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "orders");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(
        StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProductionHandler.class);
    props.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
    props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, DEAD_LETTERS);
    props.put(SideEffects.CONFIG, (SideEffects) () -> live);
    driver = new TopologyTestDriver(builder.build(), props);
    in = driver.createInputTopic("events", new StringSerializer(), new StringSerializer());
    out = driver.createOutputTopic("unique", new StringDeserializer(), new StringDeserializer());
    deadLetters =
        driver.createOutputTopic(DEAD_LETTERS, new StringDeserializer(), new StringDeserializer());
  }

  @AfterEach
  void close() {
    driver.close();
  }

  @Test
  void anOutputThatCannotBeSerializedDeadLettersItsInputWhoseReDriveIsProcessed() {
    send("order-1", "unserializable", "e1");
    assertThat(out.isEmpty()).isTrue();
    assertThat(deadLetters.readKeyValuesToList())
        .containsExactly(KeyValue.pair("order-1", "unserializable"));

    // The event re-driven once its cause is fixed: deduplication did not remember its id.
    send("order-1", "placed", "e1");
    send("order-1", "placed", "e1");

    assertThat(out.readKeyValuesToList()).containsExactly(KeyValue.pair("order-1", "placed"));
  }

  @Test
  void anOutputThatCannotBeSerializedForAnOutageOfTheRegistryFailsTheThreadAndIsNotDeadLettered() {
    assertThatThrownBy(() -> send("order-1", "registry-down", "e1"))
        .isInstanceOf(StreamsException.class)
        .hasRootCauseInstanceOf(RegistryException.class);

    assertThat(deadLetters.isEmpty()).isTrue();
    assertThat(out.isEmpty()).isTrue();
  }

  @Test
  void whileARebuildReplaysHistoryNothingIsDeadLetteredAgain() {
    live = false;
    send("order-1", "unserializable", "e1");
    send("order-2", "no id", null);
    assertThat(deadLetters.isEmpty()).isTrue();
    assertThat(out.isEmpty()).isTrue();

    live = true;
    send("order-3", "unserializable", "e3");
    send("order-4", "no id", null);
    assertThat(deadLetters.readKeyValuesToList())
        .extracting(kv -> kv.key)
        .containsExactly("order-3", "order-4");
  }

  private void send(String key, String value, String eventId) {
    RecordHeaders headers = new RecordHeaders();
    if (eventId != null) {
      headers.add(EventHeaders.ID, eventId.getBytes(StandardCharsets.UTF_8));
    }
    in.pipeInput(new TestRecord<>(key, value, headers, Instant.parse("2026-01-01T00:00:00Z")));
  }
}
