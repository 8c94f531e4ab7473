package io.tideway.topology.saga;

import io.tideway.topics.Topic;
import io.tideway.topics.Topics;
import io.tideway.topology.TopologyContext;
import io.tideway.topology.dedupe.Deduplicate;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * Runs a {@link SagaDefinition} as part of a topology: its input topics are read, deduplicated by
 * event id, re-keyed by business key where declared, and merged into one processor that keeps every
 * saga in state stores and sends commands, lifecycle records and dead letters.
 *
 * <pre>{@code
 * StreamsBuilder builder = context.streamsBuilder();
 * Saga.addTo(builder, context, placeOrder);
 * return builder.build();
 * }</pre>
 *
 * <p>What it adds, for a saga named {@code s}:
 *
 * <ul>
 *   <li>stores {@code s-saga-instances} (saga id to {@link SagaInstance}, queryable), {@code
 *       s-saga-locks} (business key to {@link SagaLock}) and {@code s-saga-deadlines};
 *   <li>a repartition topic {@code s-<topic>-by-key} per re-keyed input, and a deduplication store
 *       per input;
 *   <li>sinks to each command topic, to {@link Topics#sagaLifecycle} and to the application's
 *       dead-letter topic, where a compensation that failed past its retries goes: the command with
 *       its own headers (a record id of its own, so a re-drive is a new attempt), plus {@code
 *       __streams.errors.exception}, {@code .message}, {@value #SAGA_HEADER}, {@value
 *       #SAGA_ID_HEADER}, {@value #STEP_HEADER} and {@value #DESTINATION_HEADER}, which {@code
 *       tideway replay dlq} sends it to.
 * </ul>
 *
 * <p>Timeouts are checked by a wall-clock punctuator against deadlines kept in a store, so they
 * fire with no reply at all and survive restarts; while a rebuild replays history, by the records'
 * stream time instead, so the replay times out what the original run did. Metrics go to the {@link
 * SagaObserver} the runtime passes in the context.
 */
public final class Saga {

  /** A dead-lettered compensation's header naming its saga definition. */
  public static final String SAGA_HEADER = "tideway.saga";

  /** A dead-lettered compensation's header naming its saga instance. */
  public static final String SAGA_ID_HEADER = SAGA_HEADER + ".id";

  /** A dead-lettered compensation's header naming the step it compensates. */
  public static final String STEP_HEADER = SAGA_HEADER + ".step";

  /** A dead-lettered compensation's header naming the topic it was for. */
  public static final String DESTINATION_HEADER = SAGA_HEADER + ".destination";

  private Saga() {}

  /**
   * Store and node names of one saga, and the names its command topics have in the cluster by their
   * catalogue names (where a deployment renames them).
   */
  record Names(String saga, Map<String, String> topics) {

    Names(String saga) {
      this(saga, Map.of());
    }

    /** A command topic's name in the cluster. */
    String topic(String catalogueName) {
      return topics.getOrDefault(catalogueName, catalogueName);
    }

    String instances() {
      return instancesStore(saga);
    }

    String locks() {
      return saga + "-saga-locks";
    }

    String deadlines() {
      return saga + "-saga-deadlines";
    }

    /** The subject-naming topic the saga's data is serialized for. */
    String data() {
      return saga + "-saga-data";
    }

    String processor() {
      return saga + "-saga";
    }

    String sink(String topic) {
      return saga + "-" + topic + "-sink";
    }

    String lifecycleSink() {
      return saga + "-lifecycle-sink";
    }

    String deadLetterSink() {
      return saga + "-dead-letter-sink";
    }
  }

  /**
   * The name of the store of a saga's instances, keyed by saga id: {@code <saga>-saga-instances}.
   */
  public static String instancesStore(String saga) {
    return saga + "-saga-instances";
  }

  /**
   * Adds the saga to a topology.
   *
   * @param builder the topology's builder, from {@link TopologyContext#streamsBuilder()}
   * @param context serdes, topic names and the {@link SagaObserver}
   * @param definition the saga
   */
  public static <D extends SpecificRecord> void addTo(
      StreamsBuilder builder, TopologyContext context, SagaDefinition<D> definition) {
    Map<String, String> topics = new HashMap<>();
    definition.commandTopics().forEach(topic -> topics.put(topic.name(), context.topicName(topic)));
    Names names = new Names(definition.name(), Map.copyOf(topics));
    KStream<String, SpecificRecord> merged = null;
    for (SagaDefinition.Input input : definition.inputs()) {
      KStream<String, SpecificRecord> stream = input(builder, context, definition, input);
      merged =
          merged == null
              ? stream
              : merged.merge(
                  stream, Named.as(definition.name() + "-" + input.topic().name() + "-merge"));
    }
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(names.instances()),
            Serdes.String(),
            context.avroSerde(SagaInstance.class)));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(names.locks()),
            Serdes.String(),
            context.avroSerde(SagaLock.class)));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(names.deadlines()), Serdes.Bytes(), Serdes.String()));
    Serde<D> dataSerde = context.avroSerde(definition.startType());
    SagaObserver observer =
        Objects.requireNonNullElse(
            context.extension(SagaObserver.CONFIG, SagaObserver.class), SagaObserver.NONE);
    ProcessorSupplier<String, SpecificRecord, String, SpecificRecord> processor =
        () -> new SagaProcessor<>(definition, names, dataSerde, observer, context.sideEffects());
    KStream<String, SpecificRecord> out =
        Objects.requireNonNull(merged)
            .process(
                processor,
                Named.as(names.processor()),
                names.instances(),
                names.locks(),
                names.deadlines());
    for (Topic<String, SpecificRecord> topic : definition.commandTopics()) {
      out.to(
          context.topicName(topic),
          Produced.with(context.keySerde(topic), context.valueSerde(topic))
              .withName(names.sink(topic.name())));
    }
    Topic<String, SpecificRecord> lifecycle = Topics.sagaLifecycle(definition.name());
    out.to(
        context.topicName(lifecycle),
        Produced.with(context.keySerde(lifecycle), context.valueSerde(lifecycle))
            .withName(names.lifecycleSink()));
    out.to(
        context.topicName(Topics.deadLetters(context.applicationId())),
        Produced.with(context.keySerde(lifecycle), context.valueSerde(lifecycle))
            .withName(names.deadLetterSink()));
  }

  private static <D extends SpecificRecord> KStream<String, SpecificRecord> input(
      StreamsBuilder builder,
      TopologyContext context,
      SagaDefinition<D> definition,
      SagaDefinition.Input input) {
    Topic<String, SpecificRecord> topic = input.topic();
    String prefix = definition.name() + "-" + topic.name();
    KStream<String, SpecificRecord> relevant =
        builder.stream(
                context.topicName(topic), context.consumed(topic).withName(prefix + "-source"))
            .filter((key, value) -> definition.handles(value), Named.as(prefix + "-relevant"));
    KStream<String, SpecificRecord> unique =
        Deduplicate.<String, SpecificRecord>byEventId(prefix + "-dedupe").apply(relevant);
    if (!input.rekeyed()) {
      return unique;
    }
    return unique
        .selectKey((key, value) -> definition.keyOf(value), Named.as(prefix + "-key"))
        .repartition(
            Repartitioned.<String, SpecificRecord>as(prefix + "-by-key")
                .withKeySerde(context.keySerde(topic))
                .withValueSerde(context.valueSerde(topic)));
  }
}
