package io.tideway.services.inventory.web;

import io.tideway.services.inventory.domain.Product;
import java.math.BigDecimal;
import java.util.UUID;

/**
 * A product as the service answers it.
 *
 * @param id the product id
 * @param sku stock keeping unit
 * @param name name
 * @param price price of one unit
 * @param stock units available now
 * @param version the aggregate's version, also the {@code ETag}
 */
public record ProductView(
    UUID id, String sku, String name, BigDecimal price, int stock, long version) {

  static ProductView of(Product p) {
    return new ProductView(p.id(), p.sku(), p.name(), p.price(), p.stock(), p.version());
  }
}
