package io.tideway.services.customer.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CustomerTest {

  private static final Address BERLIN = new Address("1 Main St", "Berlin", "10115", "DE");
  private static final Address HAMBURG = new Address("2 New Rd", "Hamburg", "20095", "DE");

  @Test
  void shouldStartAtVersionOneWithTwoDecimalsOfCredit() {
    Customer c =
        Customer.register(UUID.randomUUID(), "Ada", "ada@example.com", new BigDecimal("5"), BERLIN);

    assertThat(c.version()).isEqualTo(1);
    assertThat(c.creditLimit()).isEqualTo(new BigDecimal("5.00"));
  }

  @Test
  void shouldCountEachAddressChangeAndIgnoreTheSameAddress() {
    Customer c =
        Customer.register(UUID.randomUUID(), "Ada", "ada@example.com", BigDecimal.TEN, BERLIN);

    assertThat(c.changeAddress(HAMBURG)).isTrue();
    assertThat(c.changeAddress(HAMBURG)).isFalse();
    assertThat(c.version()).isEqualTo(2);
    assertThat(c.address()).isEqualTo(HAMBURG);
  }

  @Test
  void shouldRefuseWhatBreaksItsRules() {
    UUID id = UUID.randomUUID();

    assertThatThrownBy(() -> Customer.register(id, " ", "a@b", BigDecimal.ONE, BERLIN))
        .hasMessageContaining("name");
    assertThatThrownBy(() -> Customer.register(id, "Ada", "nope", BigDecimal.ONE, BERLIN))
        .hasMessageContaining("email");
    assertThatThrownBy(() -> Customer.register(id, "Ada", "a@b", new BigDecimal("-1"), BERLIN))
        .hasMessageContaining("creditLimit");
    assertThatThrownBy(() -> new Address("1 Main St", "Berlin", "10115", "Germany"))
        .hasMessageContaining("country");
  }
}
