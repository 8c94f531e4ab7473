package io.tideway.topology.dedupe;

import io.tideway.topology.EventHeaders;
import io.tideway.topology.InvalidEventException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Re-keys records by event id for the repartition topic, carrying the original key in a header, and
 * restores it afterwards.
 */
final class EventIdKeying {

  /** Carries the original key, serialized with the stream's key serde; absent for a null key. */
  static final String KEY_HEADER = "tideway.dedupe.key";

  private EventIdKeying() {}

  /** Record key to header, event id to record key. */
  static final class ToEventId<K, V> implements Processor<K, V, String, V> {

    private final EventIdExtractor<K, V> eventId;
    private final String idSource;
    private final Serde<K> keySerde;
    private final String name;
    private ProcessorContext<String, V> context;

    ToEventId(EventIdExtractor<K, V> eventId, String idSource, Serde<K> keySerde, String name) {
      this.eventId = eventId;
      this.idSource = idSource;
      this.keySerde = keySerde;
      this.name = name;
    }

    @Override
    public void init(ProcessorContext<String, V> context) {
      this.context = context;
    }

    @Override
    public void process(Record<K, V> record) {
      String id = idOf(record);
      if (id == null || id.isBlank()) {
        throw new InvalidEventException(
            name + ": record has no " + idSource, context.recordMetadata().orElse(null));
      }
      // A copy: the record's headers may be shared with other branches of the topology.
      Headers headers = new RecordHeaders(record.headers().toArray()).remove(KEY_HEADER);
      if (record.key() != null) {
        headers.add(KEY_HEADER, keySerde.serializer().serialize(name, headers, record.key()));
      }
      context.forward(record.withKey(id).withHeaders(headers));
    }

    /**
     * The id as text. The {@code id} header is decoded strictly: lenient decoding would turn every
     * malformed byte into the same replacement character, so two different ids that are not UTF-8
     * could be taken for one event.
     */
    private String idOf(Record<K, V> record) {
      if ((Object) eventId != Deduplicate.ID_HEADER) {
        return eventId.eventId(record.key(), record.value(), record.headers());
      }
      Header header = record.headers().lastHeader(EventHeaders.ID);
      if (header == null || header.value() == null) {
        return null;
      }
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .decode(ByteBuffer.wrap(header.value()))
            .toString();
      } catch (CharacterCodingException e) {
        throw new InvalidEventException(
            name + ": the " + idSource + " is not UTF-8 text",
            context.recordMetadata().orElse(null));
      }
    }
  }

  /** Header to record key, header removed. */
  static final class ToOriginalKey<V, K> implements Processor<String, V, K, V> {

    private final Serde<K> keySerde;
    private final String name;
    private ProcessorContext<K, V> context;

    ToOriginalKey(Serde<K> keySerde, String name) {
      this.keySerde = keySerde;
      this.name = name;
    }

    @Override
    public void init(ProcessorContext<K, V> context) {
      this.context = context;
    }

    @Override
    public void process(Record<String, V> record) {
      Headers headers = new RecordHeaders(record.headers().toArray());
      Header carried = headers.lastHeader(KEY_HEADER);
      K key =
          carried == null
              ? null
              : keySerde.deserializer().deserialize(name, headers, carried.value());
      context.forward(record.withKey(key).withHeaders(headers.remove(KEY_HEADER)));
    }
  }
}
