package io.tideway.topology.dedupe;

import io.tideway.topology.EventHeaders;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * Drops every record whose event id was already seen within a retention window, so an effect
 * downstream happens once per event even though the outbox relay delivers at least once.
 *
 * <pre>{@code
 * KStream<String, SpecificRecord> unique =
 *     Deduplicate.<String, SpecificRecord>byEventId("orders-dedupe").apply(orders);
 * }</pre>
 *
 * <p>The ids seen live in a persistent key-value store {@code <name>-store} (event id to the
 * timestamp of the first record with it), backed by a changelog, so under {@code exactly_once_v2} a
 * record's forwarding and its id's recording commit together: no duplicate passes and no event is
 * lost across crashes and rebalances. A duplicate costs one point lookup, an original one lookup
 * and one write; ids older than the retention are deleted by a sweep every retention / 7 of stream
 * time, so an id is remembered at least the retention and at most 8/7 of it.
 *
 * <p>An id is remembered as done only once its record went through. A record that fails further
 * down the same sub-topology goes to the dead-letter topic, its id kept as partly done in {@code
 * <name>-partly-done-store} with the branches that took it whole ({@link
 * io.tideway.topology.ProcessingFailures}): re-driving it once its cause is fixed processes it in
 * the branches that did not, and re-driving it twice processes it once. A branch that failed takes
 * it again whole, and so does one whose first processor has a generated name.
 *
 * <p>{@link #apply} assumes a duplicate always has the same record key as its original, so both are
 * on the same partition: true of relay re-deliveries, producer retries and replays. Where the same
 * event can arrive under different keys (merged topics, re-keyed streams), {@link
 * #applyRepartitioned} first repartitions by event id and afterwards restores the key.
 *
 * <p>Duplicates dropped are counted in the Kafka Streams metric {@code duplicates-dropped-total} of
 * group {@code stream-tideway-dedupe-metrics}, one per task, tagged {@code tideway-dedupe-id} with
 * {@code <operator name>.<task id>} (sum them for the operator). A record with no event id (or one
 * of white space only, or, repartitioned, an {@code id} header that is not UTF-8) fails with an
 * {@link io.tideway.topology.InvalidEventException}, which the runtime sends to the dead-letter
 * topic.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class Deduplicate<K, V> {

  /** Reads the {@code id} header; the processor reads its bytes directly when it sees this one. */
  static final EventIdExtractor<Object, Object> ID_HEADER =
      (key, value, headers) -> EventHeaders.eventId(headers);

  /** How long ids are remembered unless set otherwise: 7 days. */
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);

  private final String name;
  private final EventIdExtractor<K, V> eventId;
  private final String idSource;
  private final Duration retention;

  private Deduplicate(
      String name, EventIdExtractor<K, V> eventId, String idSource, Duration retention) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("Deduplicate needs a name: it names its store");
    }
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("Retention must be positive, not " + retention);
    }
    this.name = name;
    this.eventId = Objects.requireNonNull(eventId, "eventId");
    this.idSource = idSource;
    this.retention = retention;
  }

  /**
   * Deduplicates by the {@code id} header the outbox relay writes.
   *
   * @param name names the operator, its store {@code <name>-store} and, when repartitioning, its
   *     topic
   */
  @SuppressWarnings("unchecked")
  public static <K, V> Deduplicate<K, V> byEventId(String name) {
    return new Deduplicate<>(
        name,
        (EventIdExtractor<K, V>) (EventIdExtractor<?, ?>) ID_HEADER,
        "header '" + EventHeaders.ID + "'",
        DEFAULT_RETENTION);
  }

  /**
   * Deduplicates by an id taken from the record, e.g. a field of the value.
   *
   * @param name names the operator and its store
   * @param eventId returns the record's event id; null when it has none
   */
  public static <K, V> Deduplicate<K, V> by(String name, EventIdExtractor<K, V> eventId) {
    return new Deduplicate<>(name, eventId, "event id", DEFAULT_RETENTION);
  }

  /** This operator with another retention window. */
  public Deduplicate<K, V> retention(Duration retention) {
    return new Deduplicate<>(name, eventId, idSource, retention);
  }

  /** The name of the store that remembers the ids seen: {@code <name>-store}. */
  public String storeName() {
    return storeName(name);
  }

  static String storeName(String name) {
    return name + "-store";
  }

  /**
   * The store of the events that failed in some branch below the operator, by id, with the
   * processors that took them: {@code <name>-partly-done-store}.
   */
  static String partlyDoneStoreName(String name) {
    return name + "-partly-done-store";
  }

  /**
   * The stream without duplicates, for a stream whose duplicates share their original's key.
   *
   * @param stream events, possibly repeated
   * @return each event once per retention window, in the order first seen
   */
  public KStream<K, V> apply(KStream<K, V> stream) {
    return stream.processValues(
        new DeduplicateSupplier<>(name, eventId, idSource, retention), Named.as(name));
  }

  /**
   * The stream without duplicates, repartitioned by event id first so duplicates under different
   * keys meet: through the topic {@code <application id>-<name>-by-event-id-repartition}. Records
   * keep their key and headers; their order is kept per event id, not per key.
   *
   * @param stream events, possibly repeated
   * @param keySerde the stream's key serde, to carry the key across the repartition topic
   * @param valueSerde the stream's value serde
   */
  public KStream<K, V> applyRepartitioned(
      KStream<K, V> stream, Serde<K> keySerde, Serde<V> valueSerde) {
    KStream<String, V> byId =
        stream
            .process(
                () -> new EventIdKeying.ToEventId<K, V>(eventId, idSource, keySerde, name),
                Named.as(name + "-key-by-event-id"))
            .repartition(
                Repartitioned.with(Serdes.String(), valueSerde).withName(name + "-by-event-id"));
    KStream<String, V> unique =
        byId.processValues(
            new DeduplicateSupplier<String, V>(
                name, (key, value, headers) -> key, "event id", retention),
            Named.as(name));
    return unique.process(
        () -> new EventIdKeying.ToOriginalKey<V, K>(keySerde, name),
        Named.as(name + "-restore-key"));
  }
}
