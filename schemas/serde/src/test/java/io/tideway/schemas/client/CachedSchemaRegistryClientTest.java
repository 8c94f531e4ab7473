package io.tideway.schemas.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

class CachedSchemaRegistryClientTest {

  private static final Schema ORDER =
      SchemaBuilder.record("Order").fields().requiredString("id").endRecord();
  private static final Schema PAYMENT =
      SchemaBuilder.record("Payment").fields().requiredString("id").endRecord();

  private final CountingRegistry remote = new CountingRegistry();

  @Test
  void shouldAskTheRegistryOnceForRepeatedRegistrations() {
    // given
    CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(remote);

    // when
    int first = client.register("orders-value", ORDER);
    for (int i = 0; i < 100; i++) {
      assertThat(client.register("orders-value", ORDER)).isEqualTo(first);
      // an equal schema parsed apart is the same key
      assertThat(client.register("orders-value", new Schema.Parser().parse(ORDER.toString())))
          .isEqualTo(first);
    }

    // then
    assertThat(remote.calls("register")).isEqualTo(1);
    assertThat(remote.totalCalls()).isEqualTo(1);
  }

  @Test
  void shouldAnswerLookupsAndIdsFromWhatARegistrationReturned() {
    // given
    CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(remote);
    int id = client.register("orders-value", ORDER);

    // when
    int looked = client.id("orders-value", ORDER);
    Schema byId = client.schemaById(id);

    // then no call beyond the registration
    assertThat(looked).isEqualTo(id);
    assertThat(byId).isEqualTo(ORDER);
    assertThat(remote.totalCalls()).isEqualTo(1);
  }

  @Test
  void shouldAskTheRegistryOnceForAnIdItDidNotRegister() {
    // given
    int id = remote.register("orders-value", ORDER);
    CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(remote);

    // when
    for (int i = 0; i < 100; i++) {
      assertThat(client.schemaById(id)).isEqualTo(ORDER);
      assertThat(client.id("orders-value", ORDER)).isEqualTo(id);
    }

    // then
    assertThat(remote.calls("schemaById")).isEqualTo(1);
    assertThat(remote.calls("id")).isEqualTo(1);
  }

  @Test
  void shouldNotRememberFailures() {
    // given
    CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(remote);

    // when
    RegistryException missing =
        catchThrowableOfType(RegistryException.class, () -> client.id("orders-value", ORDER));
    remote.register("orders-value", ORDER);
    int found = client.id("orders-value", ORDER);

    // then
    assertThat(missing.errorCode()).isEqualTo(RegistryException.SUBJECT_NOT_FOUND);
    assertThat(found).isEqualTo(1);
  }

  @Test
  void shouldForgetTheOldestEntriesBeyondItsCapacity() {
    // given
    CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(remote, 2, Duration.ZERO);
    int order = remote.register("orders-value", ORDER);
    int payment = remote.register("payments-value", PAYMENT);
    Schema third = SchemaBuilder.record("Refund").fields().requiredString("id").endRecord();
    int refund = remote.register("refunds-value", third);

    // when
    client.schemaById(order);
    client.schemaById(payment);
    client.schemaById(refund);
    client.schemaById(order);

    // then the first was forgotten and asked again
    assertThat(remote.calls("schemaById")).isEqualTo(4);
  }

  @Test
  void shouldRememberTheLatestVersionOnlyWhenAsked() {
    // given
    remote.register("orders-value", ORDER);
    CachedSchemaRegistryClient uncached = new CachedSchemaRegistryClient(remote);
    CachedSchemaRegistryClient cached =
        new CachedSchemaRegistryClient(remote, 10, Duration.ofSeconds(-1));

    // when
    uncached.latest("orders-value");
    uncached.latest("orders-value");
    int beforeCached = remote.calls("latest");
    cached.latest("orders-value");
    cached.latest("orders-value");

    // then
    assertThat(beforeCached).isEqualTo(2);
    assertThat(remote.calls("latest")).isEqualTo(3);
  }

  @Test
  void shouldForgetASubjectsIdsWhenItIsDeleted() {
    // given
    CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(remote);
    client.register("orders-value", ORDER);

    // when
    client.deleteSubject("orders-value", false);
    int again = client.register("orders-value", ORDER);

    // then the registration reached the registry again, which made it version 2
    assertThat(remote.calls("register")).isEqualTo(2);
    assertThat(again).isEqualTo(1);
    assertThat(remote.versions("orders-value")).containsExactly(2);
  }

  @Test
  void shouldCloseTheClientItWraps() {
    // when
    new CachedSchemaRegistryClient(remote).close();

    // then
    assertThat(remote.calls("close")).isEqualTo(1);
  }
}
