package io.tideway.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.schemas.client.CountingRegistry;
import io.tideway.schemas.serde.fixtures.Order;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** After the first record of a schema, the serde does not ask the registry again. */
class SerdeHotPathTest {

  private final CountingRegistry registry = new CountingRegistry();

  @Test
  void shouldRegisterOnceAndLookUpOnceForManyRecords() {
    // given
    AvroSerializer<Order> serializer = new AvroSerializer<>(registry);
    serializer.configure(Map.of(), false);
    AvroDeserializer<Order> deserializer = AvroDeserializer.specific(Order.class, registry);
    deserializer.configure(Map.of(), false);

    // when
    for (int i = 0; i < 1000; i++) {
      Order order = Orders.order("o-" + i);
      assertThat(deserializer.deserialize("orders", serializer.serialize("orders", order)))
          .isEqualTo(order);
    }

    // then
    assertThat(registry.calls("register")).isEqualTo(1);
    assertThat(registry.calls("schemaById")).isEqualTo(1);
    assertThat(registry.totalCalls()).isEqualTo(2);
  }

  @Test
  void shouldLookUpOnceWhenAutoRegisterIsOff() {
    // given
    registry.register("orders-value", Order.getClassSchema());
    AvroSerializer<Order> serializer = new AvroSerializer<>(registry);
    serializer.configure(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false), false);

    // when
    for (int i = 0; i < 100; i++) {
      serializer.serialize("orders", Orders.order("o-" + i));
    }

    // then
    assertThat(registry.calls("id")).isEqualTo(1);
  }

  @Test
  void shouldAskForTheLatestVersionOnceWhenWritingWithIt() {
    // given
    registry.register("orders-value", Order.getClassSchema());
    AvroSerializer<Order> serializer = new AvroSerializer<>(registry);
    serializer.configure(
        Map.of(
            AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true,
            AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false),
        false);

    // when
    for (int i = 0; i < 100; i++) {
      serializer.serialize("orders", Orders.order("o-" + i));
    }

    // then
    assertThat(registry.calls("latest")).isEqualTo(1);
    assertThat(registry.calls("schemaById")).isEqualTo(1);
  }

  @Test
  void shouldServeManyThreadsAtOnce() throws Exception {
    // given one serializer and one deserializer shared by eight threads
    AvroSerde<GenericRecord> serde = AvroSerde.generic(registry).configured(Map.of(), false);
    AvroSerializer<Order> serializer = new AvroSerializer<>(registry);
    serializer.configure(Map.of(), false);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    List<Callable<Integer>> work = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int thread = t;
      work.add(
          () -> {
            int ok = 0;
            for (int i = 0; i < 500; i++) {
              String id = thread + "-" + i;
              byte[] bytes = serializer.serialize("orders", Orders.order(id));
              GenericRecord read = serde.deserializer().deserialize("orders", bytes);
              ok += read.get("id").toString().equals(id) ? 1 : 0;
            }
            return ok;
          });
    }

    // when
    int ok = 0;
    try {
      for (Future<Integer> result : threads.invokeAll(work)) {
        ok += result.get();
      }
    } finally {
      threads.shutdownNow();
    }

    // then
    assertThat(ok).isEqualTo(8 * 500);
    assertThat(registry.calls("register")).isBetween(1, 8);
  }
}
