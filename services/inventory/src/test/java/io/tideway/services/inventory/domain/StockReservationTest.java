package io.tideway.services.inventory.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class StockReservationTest {

  private final Product kettle =
      Product.add(UUID.randomUUID(), "KETTLE-1", "Kettle", new BigDecimal("19.99"), 5);
  private final Product toaster =
      Product.add(UUID.randomUUID(), "TOASTER-1", "Toaster", new BigDecimal("29.99"), 1);
  private final Map<UUID, Product> products =
      new HashMap<>(Map.of(kettle.id(), kettle, toaster.id(), toaster));

  @Test
  void shouldTakeEveryLineFromStock() {
    StockReservation r =
        StockReservation.reserve(
            UUID.randomUUID(), Map.of(kettle.id(), 2, toaster.id(), 1), products);

    assertThat(r.holds()).isTrue();
    assertThat(kettle.stock()).isEqualTo(3);
    assertThat(toaster.stock()).isZero();
    assertThat(kettle.version()).isEqualTo(2);
  }

  @Test
  void shouldTakeNothingWhenOneProductIsShort() {
    StockReservation r =
        StockReservation.reserve(
            UUID.randomUUID(), Map.of(kettle.id(), 2, toaster.id(), 2), products);

    assertThat(r.status()).isEqualTo(StockReservation.Status.UNAVAILABLE);
    assertThat(r.shortfall()).isEqualTo(new StockReservation.Shortfall(toaster.id(), 2, 1));
    assertThat(kettle.stock()).isEqualTo(5);
    assertThat(toaster.stock()).isEqualTo(1);
  }

  @Test
  void shouldCountAnUnknownProductAsNoneInStock() {
    UUID unknown = UUID.randomUUID();

    StockReservation r = StockReservation.reserve(UUID.randomUUID(), Map.of(unknown, 1), products);

    assertThat(r.shortfall()).isEqualTo(new StockReservation.Shortfall(unknown, 1, 0));
  }

  @Test
  void shouldPutBackWhatItTookOnce() {
    StockReservation r =
        StockReservation.reserve(UUID.randomUUID(), Map.of(kettle.id(), 4), products);

    StockReservation released = r.release(products);

    assertThat(released.status()).isEqualTo(StockReservation.Status.RELEASED);
    assertThat(kettle.stock()).isEqualTo(5);
    assertThat(released.release(products)).isSameAs(released);
    assertThat(kettle.stock()).isEqualTo(5);
  }

  @Test
  void shouldRefuseEmptyOrNonPositiveLines() {
    UUID order = UUID.randomUUID();

    assertThatThrownBy(() -> StockReservation.reserve(order, Map.of(), products))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StockReservation.reserve(order, Map.of(kettle.id(), 0), products))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
