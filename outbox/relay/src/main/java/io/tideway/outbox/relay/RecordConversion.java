package io.tideway.outbox.relay;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;

/**
 * Turns a transformed record into the bytes Kafka gets, with the converters the shared connector
 * settings name ({@code key.converter}, {@code value.converter}, {@code header.converter}), as a
 * Kafka Connect worker would.
 */
final class RecordConversion {

  private final Converter keys;
  private final Converter values;
  private final HeaderConverter headers;

  RecordConversion() {
    this.keys = create(ConnectorConfig.converter("key"), Converter.class);
    this.values = create(ConnectorConfig.converter("value"), Converter.class);
    this.headers = create(ConnectorConfig.converter("header"), HeaderConverter.class);
    keys.configure(Map.of(), true);
    values.configure(Map.of(), false);
    headers.configure(Map.of());
  }

  ProducerRecord<byte[], byte[]> toProducerRecord(SourceRecord record) {
    String topic = record.topic();
    RecordHeaders kafkaHeaders = new RecordHeaders();
    for (Header header : record.headers()) {
      kafkaHeaders.add(
          header.key(),
          headers.fromConnectHeader(topic, header.key(), header.schema(), header.value()));
    }
    return new ProducerRecord<>(
        topic,
        record.kafkaPartition(),
        record.timestamp(),
        keys.fromConnectData(topic, kafkaHeaders, record.keySchema(), record.key()),
        values.fromConnectData(topic, kafkaHeaders, record.valueSchema(), record.value()),
        kafkaHeaders);
  }

  private static <T> T create(String className, Class<T> type) {
    try {
      return type.cast(Class.forName(className).getDeclaredConstructor().newInstance());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Cannot create converter " + className, e);
    }
  }
}
