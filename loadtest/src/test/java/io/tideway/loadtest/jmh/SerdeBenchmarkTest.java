package io.tideway.loadtest.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.contracts.order.OrderPlaced;
import io.tideway.schemas.client.InMemorySchemaRegistry;
import io.tideway.schemas.client.SchemaRegistryClient;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.runner.options.Options;

/** The benchmark's code paths, called directly: JMH itself does not run in the tests. */
class SerdeBenchmarkTest {

  private final SerdeBenchmark benchmark = new SerdeBenchmark();

  @Test
  void shouldMeasureATypicalOrder() {
    OrderPlaced order = SampleEvents.orderPlaced();

    assertThat(order.getLines()).hasSize(3);
    assertThat(order.getTotal()).isEqualByComparingTo("330.38");
    assertThat(order.getShippingAddress()).isNotNull();
  }

  @Test
  void shouldReadBackTheSameOrderBothWays() throws Exception {
    // given
    SerdeBenchmark.Ours ours = new SerdeBenchmark.Ours();
    ours.setUp(new InMemorySchemaRegistry());
    SerdeBenchmark.Plain plain = new SerdeBenchmark.Plain();
    plain.setUp();

    // when / then
    assertThat(benchmark.roundTripOurs(ours)).isEqualTo(SampleEvents.orderPlaced());
    assertThat(benchmark.roundTripPlain(plain)).isEqualTo(SampleEvents.orderPlaced());
    assertThat(benchmark.deserializeOurs(ours)).isEqualTo(SampleEvents.orderPlaced());
    assertThat(benchmark.deserializePlain(plain)).isEqualTo(SampleEvents.orderPlaced());
    ours.tearDown();
  }

  @Test
  void shouldEncodeTheSameAvroBytesOursBehindTheWireFormatsHeader() throws Exception {
    // given
    SerdeBenchmark.Ours ours = new SerdeBenchmark.Ours();
    ours.setUp(new InMemorySchemaRegistry());
    SerdeBenchmark.Plain plain = new SerdeBenchmark.Plain();
    plain.setUp();

    // when
    byte[] withHeader = benchmark.serializeOurs(ours);
    byte[] avro = benchmark.serializePlain(plain);

    // then the same work is measured on both sides, plus the 5-byte header on ours
    assertThat(withHeader[0]).isZero();
    assertThat(Arrays.copyOfRange(withHeader, 5, withHeader.length)).isEqualTo(avro);
    assertThat(avro.length).isBetween(150, 300);
    ours.tearDown();
  }

  @Test
  void shouldNotAskTheRegistryAnythingOnceWarmedUp() {
    // given a registry that counts what it is asked
    AtomicInteger calls = new AtomicInteger();
    SerdeBenchmark.Ours ours = new SerdeBenchmark.Ours();
    ours.setUp(counting(new InMemorySchemaRegistry(), calls));
    int atSetUp = calls.get();

    // when
    for (int i = 0; i < 1_000; i++) {
      benchmark.roundTripOurs(ours);
      benchmark.serializeOurs(ours);
      benchmark.deserializeOurs(ours);
    }

    // then
    assertThat(atSetUp).isPositive();
    assertThat(calls.get()).isEqualTo(atSetUp);
    ours.tearDown();
  }

  @Test
  void shouldRunEveryBenchmarkOfTheClassInForksThatTrustTheContracts() {
    // when
    Options options =
        SerdeBenchmarks.options(
            new SerdeBenchmarks.Settings(
                SerdeBenchmarks.Shape.FULL, List.of("gc"), List.of("-Dtideway.log.dir=/x")));

    // then
    assertThat(options.getIncludes())
        .singleElement()
        .satisfies(
            regex ->
                assertThat("io.tideway.loadtest.jmh.SerdeBenchmark.roundTripOurs").matches(regex));
    assertThat(options.getBenchModes()).containsExactly(Mode.AverageTime);
    assertThat(options.getForkCount().get()).isEqualTo(3);
    assertThat(options.getWarmupIterations().get()).isEqualTo(3);
    assertThat(options.getMeasurementIterations().get()).isEqualTo(4);
    assertThat(options.getJvmArgsAppend().get())
        .containsExactly(
            "-Xms1g",
            "-Xmx1g",
            "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.tideway.contracts",
            "-Dtideway.log.dir=/x");
    assertThat(options.getProfilers()).extracting(p -> p.getKlass()).containsExactly("gc");
  }

  /** A client that counts every call reaching it, whatever the method. */
  private static SchemaRegistryClient counting(SchemaRegistryClient registry, AtomicInteger calls) {
    return (SchemaRegistryClient)
        Proxy.newProxyInstance(
            SchemaRegistryClient.class.getClassLoader(),
            new Class<?>[] {SchemaRegistryClient.class},
            (proxy, method, args) -> {
              if (!method.getName().equals("url") && !method.getName().equals("close")) {
                calls.incrementAndGet();
              }
              try {
                return method.invoke(registry, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
