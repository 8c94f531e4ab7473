package io.tideway.services.starter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.contracts.customer.CustomerCreated;
import org.junit.jupiter.api.Test;

class PublishedEventsTest {

  @Test
  void takesTheSchemasOfGeneratedClasses() {
    assertThat(PublishedEvents.of("customer", CustomerCreated.class).schemas())
        .containsExactly(CustomerCreated.getClassSchema());
  }

  @Test
  void refusesAnAggregateTypeThatCannotNameATopicWhenDeclared() {
    assertThatThrownBy(() -> PublishedEvents.of("no spaces", CustomerCreated.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot name a Kafka topic");
  }
}
