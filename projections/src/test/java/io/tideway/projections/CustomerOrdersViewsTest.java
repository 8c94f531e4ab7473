package io.tideway.projections;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.projections.model.CustomerOrders;
import io.tideway.projections.model.OrderSummary;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CustomerOrdersViewsTest {

  private static final String CUSTOMER = UUID.randomUUID().toString();

  @Test
  void shouldKeepTheMostRecentOrdersOnly() {
    CustomerOrders view = null;
    for (int i = 0; i <= CustomerOrdersViews.RECENT_ORDERS; i++) {
      view = CustomerOrdersViews.apply(CUSTOMER, summary("order-" + i, i), view);
    }

    assertThat(view.getOrders()).hasSize(CustomerOrdersViews.RECENT_ORDERS);
    assertThat(view.getOrders().get(0).getOrderId()).isEqualTo("order-1");

    // An update of an order older than every one kept changes nothing.
    CustomerOrders after = CustomerOrdersViews.apply(CUSTOMER, summary("order-0", 0), view);
    assertThat(after.getOrders()).isEqualTo(view.getOrders());
  }

  private static OrderSummary summary(String orderId, int second) {
    return new OrderSummary(
        orderId, CUSTOMER, "APPROVED", BigDecimal.TEN, Instant.ofEpochSecond(1_000 + second));
  }
}
