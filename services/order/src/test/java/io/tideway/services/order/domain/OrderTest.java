package io.tideway.services.order.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OrderTest {

  private static final UUID CUSTOMER = UUID.randomUUID();
  private static final List<OrderLine> LINES =
      List.of(
          new OrderLine(UUID.randomUUID(), 2, new BigDecimal("1.25")),
          new OrderLine(UUID.randomUUID(), 1, new BigDecimal("0.10")));

  @Test
  void shouldTotalItsLinesExactly() {
    Order order = Order.place(UUID.randomUUID(), CUSTOMER, LINES, null, Instant.now());

    assertThat(order.total()).isEqualByComparingTo("2.60");
    assertThat(order.status()).isEqualTo(OrderStatus.PENDING);
    assertThat(order.shippingAddress()).isNull();
  }

  @Test
  void shouldTakeOnlyANewerAddressOfItsOwnCustomer() {
    Order order =
        Order.place(UUID.randomUUID(), CUSTOMER, LINES, address(CUSTOMER, 2), Instant.now());

    assertThat(order.shipTo(address(CUSTOMER, 1))).isFalse();
    assertThat(order.shipTo(address(CUSTOMER, 2))).isFalse();
    assertThat(order.shipTo(address(UUID.randomUUID(), 9))).isFalse();
    assertThat(order.shipTo(address(CUSTOMER, 3))).isTrue();
    assertThat(order.shippingAddress().customerVersion()).isEqualTo(3);
    assertThat(order.version()).isEqualTo(2);
  }

  @Test
  void shouldTakeAnyAddressOfItsCustomerWhileItHasNone() {
    Order order = Order.place(UUID.randomUUID(), CUSTOMER, LINES, null, Instant.now());

    assertThat(order.shipTo(address(CUSTOMER, 1))).isTrue();
  }

  @Test
  void shouldKeepTheAddressOfARejectedOrder() {
    Order order =
        Order.restore(
            UUID.randomUUID(),
            CUSTOMER,
            LINES,
            Instant.now(),
            OrderStatus.REJECTED,
            address(CUSTOMER, 1),
            4);

    assertThat(order.shipTo(address(CUSTOMER, 2))).isFalse();
  }

  @Test
  void shouldRefuseAnOrderWithoutLinesOrWithANonPositiveQuantity() {
    assertThatThrownBy(
            () -> Order.place(UUID.randomUUID(), CUSTOMER, List.of(), null, Instant.now()))
        .hasMessageContaining("line");
    assertThatThrownBy(() -> new OrderLine(UUID.randomUUID(), 0, BigDecimal.ONE))
        .hasMessageContaining("quantity");
  }

  private static CustomerAddress address(UUID customer, long version) {
    return new CustomerAddress(customer, version, new Address("s" + version, "c", "p", "DE"));
  }

  @Test
  void shouldBeDecidedOnceAndStayDecided() {
    Order approved = Order.place(UUID.randomUUID(), CUSTOMER, LINES, null, Instant.now());
    Order rejected = Order.place(UUID.randomUUID(), CUSTOMER, LINES, null, Instant.now());

    assertThat(approved.decide(OrderStatus.APPROVED)).isTrue();
    assertThat(approved.decide(OrderStatus.REJECTED)).isFalse();
    assertThat(approved.status()).isEqualTo(OrderStatus.APPROVED);
    assertThat(approved.version()).isEqualTo(2);
    assertThat(rejected.decide(OrderStatus.REJECTED)).isTrue();
    assertThat(rejected.decide(OrderStatus.APPROVED)).isFalse();
    assertThat(rejected.status()).isEqualTo(OrderStatus.REJECTED);
    assertThatThrownBy(() -> rejected.decide(OrderStatus.PENDING))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
