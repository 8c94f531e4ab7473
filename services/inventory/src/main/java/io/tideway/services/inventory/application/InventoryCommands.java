package io.tideway.services.inventory.application;

import io.tideway.outbox.TransactionalOutbox;
import io.tideway.services.inventory.domain.Product;
import io.tideway.services.inventory.persistence.ProductRepository;
import io.tideway.services.starter.CommandRejectedException;
import io.tideway.services.starter.PreconditionFailedException;
import io.tideway.services.starter.ResourceNotFoundException;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.UUID;
import java.util.function.LongPredicate;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The inventory service's commands, each one transaction that changes the product and appends the
 * event announcing it to the outbox: both commit or neither does.
 */
@Service
public class InventoryCommands {

  private final ProductRepository products;
  private final TransactionalOutbox outbox;
  private final Clock clock = Clock.systemUTC();

  InventoryCommands(ProductRepository products, TransactionalOutbox outbox) {
    this.products = products;
    this.outbox = outbox;
  }

  /**
   * Adds a product to the catalogue and publishes {@code ProductAdded}.
   *
   * @throws CommandRejectedException 409 when the SKU is taken
   */
  @Transactional
  public Product add(String sku, String name, BigDecimal price, int stock) {
    if (products.skuTaken(sku)) {
      throw new CommandRejectedException(
          HttpStatus.CONFLICT, "A product with SKU " + sku + " exists already");
    }
    Product product = Product.add(UUID.randomUUID(), sku, name, price, stock);
    products.insert(product);
    outbox.append(InventoryEvents.added(product, clock.instant()));
    return product;
  }

  /**
   * Sets a product's units in stock and publishes {@code StockAdjusted}; the same level again
   * changes nothing and publishes nothing. Reservations and releases change the version too, so a
   * level counted before one of them is refused when the caller names the version it read.
   *
   * @param expectedVersion the versions the caller's {@code If-Match} accepts
   * @throws ResourceNotFoundException when there is no such product
   * @throws PreconditionFailedException when the product is at a version {@code expectedVersion}
   *     does not accept
   */
  @Transactional
  public Product adjustStock(UUID id, LongPredicate expectedVersion, int stock) {
    Product product =
        products.find(id, true).orElseThrow(() -> new ResourceNotFoundException("product", id));
    if (!expectedVersion.test(product.version())) {
      throw new PreconditionFailedException("product", id, product.version());
    }
    if (product.adjustStock(stock)) {
      products.update(product);
      outbox.append(InventoryEvents.stockAdjusted(product, clock.instant()));
    }
    return product;
  }
}
