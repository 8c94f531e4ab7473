package io.tideway.schemas.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MockSchemaRegistryTest {

  private static final Schema ORDER =
      SchemaBuilder.record("Order").fields().requiredString("id").endRecord();

  @AfterEach
  void dropScopes() {
    MockSchemaRegistry.drop("mock-test");
    MockSchemaRegistry.drop("other");
  }

  @Test
  void shouldShareOneRegistryPerScope() {
    // given
    int id = MockSchemaRegistry.scope("mock-test").register("orders-value", ORDER);

    // when
    InMemorySchemaRegistry byUrl = MockSchemaRegistry.forUrl("mock://mock-test");

    // then
    assertThat(byUrl).isSameAs(MockSchemaRegistry.scope("mock-test"));
    assertThat(byUrl.schemaById(id)).isEqualTo(ORDER);
    assertThat(byUrl.url()).isEqualTo("mock://mock-test");
    assertThat(MockSchemaRegistry.scope("other").subjects()).isEmpty();
  }

  @Test
  void shouldStartEmptyAfterAScopeIsDropped() {
    // given
    MockSchemaRegistry.scope("mock-test").register("orders-value", ORDER);

    // when
    MockSchemaRegistry.drop("mock-test");

    // then
    assertThat(MockSchemaRegistry.scope("mock-test").subjects()).isEmpty();
  }

  @Test
  void shouldRefuseAUrlWithoutAScope() {
    assertThat(MockSchemaRegistry.isMockUrl("MOCK://x")).isTrue();
    assertThat(MockSchemaRegistry.isMockUrl("http://x")).isFalse();
    assertThatThrownBy(() -> MockSchemaRegistry.forUrl("mock://"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("names no scope");
  }
}
