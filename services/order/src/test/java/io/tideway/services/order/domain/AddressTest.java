package io.tideway.services.order.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AddressTest {

  @Test
  void shouldAcceptWhatTheCustomerServiceAccepts() {
    Address longest = new Address("s".repeat(200), "c".repeat(100), "p".repeat(20), "DE");
    assertThat(longest.country()).isEqualTo("DE");
  }

  @Test
  void shouldRefuseACountryThatIsNotAnAlpha2Code() {
    assertThatThrownBy(() -> new Address("1 Main St", "Hamburg", "20095", "DEU"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("country 'DEU' is not an ISO 3166-1 alpha-2 code");
    assertThatThrownBy(() -> new Address("1 Main St", "Hamburg", "20095", "de"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldRefuseAFieldLongerThanTheCustomerServiceAccepts() {
    assertThatThrownBy(() -> new Address("s".repeat(201), "Hamburg", "20095", "DE"))
        .hasMessage("street is 201 characters long, more than 200");
    assertThatThrownBy(() -> new Address("1 Main St", "c".repeat(101), "20095", "DE"))
        .hasMessageStartingWith("city is 101");
    assertThatThrownBy(() -> new Address("1 Main St", "Hamburg", "p".repeat(21), "DE"))
        .hasMessageStartingWith("postalCode is 21");
  }
}
