package io.tideway.services.starter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class InboundEventIdTest {

  @Test
  void takesAUuidInItsCanonicalFormInEitherCase() {
    UUID id = UUID.randomUUID();

    assertThat(InboundEvents.canonicalId(id.toString())).isEqualTo(id);
    assertThat(InboundEvents.canonicalId(id.toString().toUpperCase())).isEqualTo(id);
  }

  @Test
  void refusesShortOrOverLongGroupsThatWouldMakeTwoIdsOne() {
    // Both parse, to the same UUID, by UUID.fromString.
    assertThat(UUID.fromString("1-2-3-4-5")).isEqualTo(UUID.fromString("01-2-3-4-5"));

    assertThat(InboundEvents.canonicalId("1-2-3-4-5")).isNull();
    assertThat(InboundEvents.canonicalId("01-2-3-4-5")).isNull();
    assertThat(InboundEvents.canonicalId("not-a-uuid")).isNull();
    assertThat(InboundEvents.canonicalId("")).isNull();
  }
}
