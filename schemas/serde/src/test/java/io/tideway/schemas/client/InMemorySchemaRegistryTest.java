package io.tideway.schemas.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryTest {

  private static final Schema V1 =
      SchemaBuilder.record("Order").fields().requiredString("id").endRecord();
  private static final Schema V2_WITHOUT_DEFAULT =
      SchemaBuilder.record("Order").fields().requiredString("id").requiredInt("total").endRecord();

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

  @Test
  void shouldServeTheClientApiWithTheRegistrysRules() {
    // given
    int id = registry.register("orders-value", V1);

    // when / then
    assertThat(registry.id("orders-value", V1)).isEqualTo(id);
    assertThat(registry.schemaById(id)).isEqualTo(V1);
    assertThat(registry.latest("orders-value").version()).isEqualTo(1);
    assertThat(registry.version("orders-value", 1).schema()).isEqualTo(V1.toString());
    assertThat(registry.subjects()).containsExactly("orders-value");
    assertThat(registry.versions("orders-value")).containsExactly(1);
    assertThat(registry.checkCompatibility("orders-value", V2_WITHOUT_DEFAULT))
        .singleElement()
        .asString()
        .contains("total");
    assertThat(
            catchThrowableOfType(
                    RegistryException.class,
                    () -> registry.register("orders-value", V2_WITHOUT_DEFAULT))
                .errorCode())
        .isEqualTo(409);
  }

  @Test
  void shouldFollowTheLevelSetForTheSubject() {
    // given
    registry.register("orders-value", V1);

    // when
    registry.setCompatibility("orders-value", CompatibilityLevel.FORWARD);

    // then
    assertThat(registry.compatibilityOf("orders-value")).isEqualTo(CompatibilityLevel.FORWARD);
    assertThat(registry.globalCompatibility()).isEqualTo(CompatibilityLevel.BACKWARD);
    assertThat(registry.checkCompatibility("orders-value", V2_WITHOUT_DEFAULT)).isEmpty();
    assertThat(registry.register("orders-value", V2_WITHOUT_DEFAULT)).isEqualTo(2);
  }

  @Test
  void shouldReturnTheDeletedVersions() {
    // given
    registry.register("orders-value", V1);

    // when / then
    assertThat(registry.deleteSubject("orders-value", false)).containsExactly(1);
    assertThat(registry.subjects()).isEmpty();
    assertThat(registry.deleteSubject("orders-value", true)).containsExactly(1);
  }
}
