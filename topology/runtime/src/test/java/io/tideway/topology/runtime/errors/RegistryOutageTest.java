package io.tideway.topology.runtime.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.schemas.client.RegistryException;
import java.time.Duration;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

class RegistryOutageTest {

  @Test
  void anUnreachableOrFailingRegistryIsAnOutageAnAnswerAboutTheSchemaIsNot() {
    assertThat(RegistryOutage.causedBy(new SerializationException("read", unreachable()))).isTrue();
    assertThat(
            RegistryOutage.causedBy(
                new StreamsException(new SerializationException("write", failing(504)))))
        .isTrue();
    assertThat(
            RegistryOutage.causedBy(
                new SerializationException(
                    "unknown id",
                    new RegistryException(
                        404, RegistryException.SCHEMA_NOT_FOUND, "Schema 7 not found"))))
        .isFalse();
    assertThat(RegistryOutage.causedBy(new SerializationException("wrong magic byte"))).isFalse();
    assertThat(RegistryOutage.causedBy(new IllegalArgumentException("a domain check"))).isFalse();
  }

  @Test
  void theWaitGrowsWithTheOutageWithinItsBoundsAndStartsOverAfterAQuietSpell() {
    RegistryOutage outage = new RegistryOutage();
    long start = 1_000_000;

    assertThat(outage.next(unreachable(), start)).isEqualTo(RegistryOutage.FIRST_WAIT);
    assertThat(outage.next(unreachable(), start + 1_500)).isEqualTo(RegistryOutage.FIRST_WAIT);
    assertThat(outage.next(unreachable(), start + 9_000)).isEqualTo(Duration.ofMillis(4_500));
    assertThat(outage.next(unreachable(), start + 60_000)).isEqualTo(RegistryOutage.LONGEST_WAIT);

    long later = start + 60_000 + RegistryOutage.QUIET.toMillis() + 1;
    assertThat(outage.next(unreachable(), later)).isEqualTo(RegistryOutage.FIRST_WAIT);
  }

  @Test
  void aFailureHandedOnFromTheProductionHandlerToTheProcessingHandlerIsWaitedForOnce() {
    RegistryOutage outage = new RegistryOutage();
    RegistryException failure = failing(503);

    assertThat(outage.next(failure, 0)).isEqualTo(RegistryOutage.FIRST_WAIT);
    assertThat(outage.next(failure, 1)).isZero();
    assertThat(outage.next(failing(503), 2)).isEqualTo(RegistryOutage.FIRST_WAIT);
  }

  private static RegistryException unreachable() {
    return new RegistryException(
        503, RegistryException.STORE_ERROR, "The schema registry is unreachable");
  }

  private static RegistryException failing(int status) {
    return new RegistryException(status, RegistryException.STORE_TIMEOUT, "no answer in time");
  }
}
