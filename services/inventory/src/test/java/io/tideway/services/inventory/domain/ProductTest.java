package io.tideway.services.inventory.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ProductTest {

  @Test
  void shouldCountEachStockChangeAndIgnoreTheSameLevel() {
    Product p = Product.add(UUID.randomUUID(), "SKU-1", "Kettle", new BigDecimal("19.9"), 10);

    assertThat(p.adjustStock(4)).isTrue();
    assertThat(p.adjustStock(4)).isFalse();
    assertThat(p.stock()).isEqualTo(4);
    assertThat(p.version()).isEqualTo(2);
    assertThat(p.price()).isEqualTo(new BigDecimal("19.90"));
  }

  @Test
  void shouldRefuseNegativeStockOrPrice() {
    UUID id = UUID.randomUUID();
    Product p = Product.add(id, "SKU-1", "Kettle", BigDecimal.ONE, 1);

    assertThatThrownBy(() -> p.adjustStock(-1)).hasMessageContaining("stock");
    assertThatThrownBy(() -> Product.add(id, "SKU-1", "Kettle", new BigDecimal("-1"), 1))
        .hasMessageContaining("price");
  }

  @Test
  void shouldRefuseToPutBackMoreThanStockCanCountRatherThanWrap() {
    Product p =
        Product.add(UUID.randomUUID(), "SKU-1", "Kettle", BigDecimal.ONE, Integer.MAX_VALUE - 1);

    assertThatThrownBy(() -> p.putBack(2)).isInstanceOf(ArithmeticException.class);
    assertThat(p.stock()).isEqualTo(Integer.MAX_VALUE - 1);
  }
}
