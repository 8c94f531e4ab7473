package io.tideway.services.inventory.persistence;

import io.tideway.services.inventory.domain.Product;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Products in the service's own database, written in the caller's transaction. */
@Repository
public class ProductRepository {

  private final JdbcClient jdbc;

  ProductRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Stores a new product.
   *
   * @throws org.springframework.dao.DuplicateKeyException when its SKU is taken
   */
  public void insert(Product p) {
    jdbc.sql(
            "INSERT INTO products (id, sku, name, price, stock, version) VALUES (?, ?, ?, ?, ?, ?)")
        .params(p.id(), p.sku(), p.name(), p.price(), p.stock(), p.version())
        .update();
  }

  /** Stores a changed product, read with {@link #find find(id, true)} in this transaction. */
  public void update(Product p) {
    jdbc.sql("UPDATE products SET stock = ?, version = ?, updated_at = now() WHERE id = ?")
        .params(p.stock(), p.version(), p.id())
        .update();
  }

  /** The product, locked for update until the transaction ends when {@code forUpdate}. */
  public Optional<Product> find(UUID id, boolean forUpdate) {
    return jdbc.sql("SELECT * FROM products WHERE id = ?" + (forUpdate ? " FOR UPDATE" : ""))
        .param(id)
        .query(ProductRepository::product)
        .optional();
  }

  /**
   * The products of these ids that exist, locked for update in id order (so two transactions
   * locking overlapping sets cannot deadlock), by id.
   */
  public Map<UUID, Product> findAllForUpdate(Collection<UUID> ids) {
    Map<UUID, Product> found = new LinkedHashMap<>();
    jdbc.sql("SELECT * FROM products WHERE id = ANY(?) ORDER BY id FOR UPDATE")
        .param(ids.toArray(UUID[]::new))
        .query(ProductRepository::product)
        .list()
        .forEach(p -> found.put(p.id(), p));
    return found;
  }

  /** Whether a product has this SKU. */
  public boolean skuTaken(String sku) {
    return jdbc.sql("SELECT count(*) FROM products WHERE sku = ?")
            .param(sku)
            .query(Long.class)
            .single()
        > 0;
  }

  private static Product product(ResultSet rs, int row) throws SQLException {
    return Product.restore(
        rs.getObject("id", UUID.class),
        rs.getString("sku"),
        rs.getString("name"),
        rs.getBigDecimal("price"),
        rs.getInt("stock"),
        rs.getLong("version"));
  }
}
