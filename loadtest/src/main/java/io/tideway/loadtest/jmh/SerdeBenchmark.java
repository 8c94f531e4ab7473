package io.tideway.loadtest.jmh;

import io.tideway.contracts.order.OrderPlaced;
import io.tideway.schemas.client.SchemaRegistryClient;
import io.tideway.schemas.serde.AvroDeserializer;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.schemas.serde.AvroSerializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What our serde costs over plain Avro for one typical event ({@link SampleEvents#orderPlaced()}):
 * each operation twice, through {@link AvroSerializer}/{@link AvroDeserializer} ({@code ...Ours})
 * and through Avro's own datum writer and reader ({@code ...Plain}). Run by {@link
 * SerdeBenchmarks}, which pairs the two and reports their ratio.
 *
 * <p>Ours is measured as a producer and a consumer run it: warmed up, so the schema is registered
 * and its id and reader are cached, and no call reaches the registry. Plain is what a careful
 * application would write without a registry: one writer and one reader for the class, the encoder,
 * decoder and output buffer reused from record to record. Both return a new byte array and a new
 * record per call, as a Kafka serializer and deserializer must.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SerdeBenchmark {

  /** The topic the serde writes for: subject {@code order.events-value}. */
  static final String TOPIC = "order.events";

  /** An in-memory registry, so the figures hold the serde's cost and nothing of a network. */
  static final String REGISTRY_URL = "mock://bench";

  /** Our serializer and deserializer, warmed up. */
  @State(Scope.Thread)
  public static class Ours {

    AvroSerializer<OrderPlaced> serializer;
    AvroDeserializer<OrderPlaced> deserializer;
    OrderPlaced event;
    byte[] bytes;

    @Setup
    public void setUp() {
      setUp(null);
    }

    /**
     * @param registry a client to use instead of {@link #REGISTRY_URL}'s, or null
     */
    void setUp(SchemaRegistryClient registry) {
      serializer = new AvroSerializer<>(registry);
      serializer.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, REGISTRY_URL), false);
      deserializer = new AvroDeserializer<>(registry);
      deserializer.configure(
          Map.of(
              AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
              REGISTRY_URL,
              AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG,
              true),
          false);
      event = SampleEvents.orderPlaced();
      // The first record registers the schema and reads it back by id; after it, both sides run
      // from their caches, as they do for every later record of a producer or consumer.
      bytes = serializer.serialize(TOPIC, event);
      requireSame(event, deserializer.deserialize(TOPIC, bytes));
    }

    @TearDown
    public void tearDown() {
      serializer.close();
      deserializer.close();
    }
  }

  /** Avro's own writer and reader for the generated class, with everything reusable reused. */
  @State(Scope.Thread)
  public static class Plain {

    final SpecificDatumWriter<OrderPlaced> writer = new SpecificDatumWriter<>(OrderPlaced.class);
    final SpecificDatumReader<OrderPlaced> reader = new SpecificDatumReader<>(OrderPlaced.class);
    final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    BinaryEncoder encoder;
    BinaryDecoder decoder;
    OrderPlaced event;
    byte[] bytes;

    @Setup
    public void setUp() throws IOException {
      event = SampleEvents.orderPlaced();
      bytes = serialize(event);
      requireSame(event, deserialize(bytes));
    }

    byte[] serialize(OrderPlaced record) throws IOException {
      out.reset();
      encoder = EncoderFactory.get().binaryEncoder(out, encoder);
      writer.write(record, encoder);
      encoder.flush();
      return out.toByteArray();
    }

    OrderPlaced deserialize(byte[] data) throws IOException {
      decoder = DecoderFactory.get().binaryDecoder(data, decoder);
      return reader.read(null, decoder);
    }
  }

  @Benchmark
  public OrderPlaced roundTripOurs(Ours s) {
    return s.deserializer.deserialize(TOPIC, s.serializer.serialize(TOPIC, s.event));
  }

  @Benchmark
  public OrderPlaced roundTripPlain(Plain s) throws IOException {
    return s.deserialize(s.serialize(s.event));
  }

  @Benchmark
  public byte[] serializeOurs(Ours s) {
    return s.serializer.serialize(TOPIC, s.event);
  }

  @Benchmark
  public byte[] serializePlain(Plain s) throws IOException {
    return s.serialize(s.event);
  }

  @Benchmark
  public OrderPlaced deserializeOurs(Ours s) {
    return s.deserializer.deserialize(TOPIC, s.bytes);
  }

  @Benchmark
  public OrderPlaced deserializePlain(Plain s) throws IOException {
    return s.deserialize(s.bytes);
  }

  /** Measuring a path that reads back something else would measure nothing useful. */
  static void requireSame(OrderPlaced written, OrderPlaced read) {
    if (!written.equals(read)) {
      throw new IllegalStateException("Read back " + read + " instead of " + written);
    }
  }
}
