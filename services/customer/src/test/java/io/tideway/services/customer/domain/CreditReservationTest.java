package io.tideway.services.customer.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CreditReservationTest {

  private static final Customer ADA =
      Customer.register(
          UUID.randomUUID(),
          "Ada",
          "ada@example.com",
          new BigDecimal("100.00"),
          new Address("1 Main St", "Berlin", "10115", "DE"));

  @Test
  void shouldReserveUpToTheLimitExactly() {
    CreditReservation r =
        CreditReservation.decide(
            ADA, UUID.randomUUID(), new BigDecimal("40.00"), new BigDecimal("60.00"));

    assertThat(r.status()).isEqualTo(CreditReservation.Status.RESERVED);
    assertThat(r.holds()).isTrue();
  }

  @Test
  void shouldRejectPastTheLimitAndSayWhy() {
    CreditReservation r =
        CreditReservation.decide(
            ADA, UUID.randomUUID(), new BigDecimal("40.01"), new BigDecimal("60.00"));

    assertThat(r.status()).isEqualTo(CreditReservation.Status.REJECTED);
    assertThat(r.holds()).isFalse();
    assertThat(r.reason()).isEqualTo("credit limit 100.00 exceeded: 60.00 held, 40.01 asked");
  }

  @Test
  void shouldRefuseAnAmountItsTableCannotHold() {
    assertThatThrownBy(
            () ->
                CreditReservation.decide(
                    ADA,
                    UUID.randomUUID(),
                    new BigDecimal("100000000000000000.00"),
                    BigDecimal.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 17 digits before the point and 2 after it");
    assertThatThrownBy(
            () ->
                CreditReservation.decide(
                    ADA, UUID.randomUUID(), new BigDecimal("0.001"), BigDecimal.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(
            CreditReservation.decide(
                    ADA, UUID.randomUUID(), new BigDecimal("99999999999999999.99"), BigDecimal.ZERO)
                .status())
        .isEqualTo(CreditReservation.Status.REJECTED);
  }

  @Test
  void shouldGiveBackOnlyWhatItHolds() {
    UUID order = UUID.randomUUID();
    CreditReservation reserved =
        CreditReservation.decide(ADA, order, BigDecimal.TEN, BigDecimal.ZERO);
    CreditReservation rejected =
        CreditReservation.decide(ADA, order, new BigDecimal("500.00"), BigDecimal.ZERO);

    assertThat(reserved.release().status()).isEqualTo(CreditReservation.Status.RELEASED);
    assertThat(reserved.release().amount()).isEqualByComparingTo("10.00");
    assertThat(rejected.release()).isSameAs(rejected);
  }

  @Test
  void shouldMarkAReleaseThatCameFirstSoNothingIsHeld() {
    CreditReservation mark = CreditReservation.releasedBeforeReserved(UUID.randomUUID(), ADA.id());

    assertThat(mark.holds()).isFalse();
    assertThat(mark.amount()).isZero();
    assertThat(mark.release()).isSameAs(mark);
  }
}
