package io.tideway.services.inventory.domain;

import java.math.BigDecimal;
import java.util.Objects;
import java.util.UUID;

/** The product aggregate: what it is, what one unit costs, and how many units are in stock. */
public final class Product {

  private final UUID id;
  private final String sku;
  private final String name;
  private final BigDecimal price;
  private int stock;
  private long version;

  private Product(UUID id, String sku, String name, BigDecimal price, int stock, long version) {
    this.id = Objects.requireNonNull(id, "id");
    if (sku == null || sku.isBlank()) {
      throw new IllegalArgumentException("sku must not be blank");
    }
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
    Objects.requireNonNull(price, "price");
    if (price.signum() < 0 || price.scale() > 2) {
      throw new IllegalArgumentException("price must not be negative and have at most 2 decimals");
    }
    requireStock(stock);
    this.sku = sku;
    this.name = name;
    this.price = price;
    this.stock = stock;
    this.version = version;
  }

  /** A new product in the catalogue, at version 1. */
  public static Product add(UUID id, String sku, String name, BigDecimal price, int stock) {
    return new Product(id, sku, name, price.setScale(2), stock, 1);
  }

  /** A product as stored. */
  public static Product restore(
      UUID id, String sku, String name, BigDecimal price, int stock, long version) {
    return new Product(id, sku, name, price, stock, version);
  }

  /**
   * Sets the units in stock after goods were received, counted or written off.
   *
   * @return false, changing nothing, when the stock already is that
   */
  public boolean adjustStock(int units) {
    requireStock(units);
    if (units == stock) {
      return false;
    }
    stock = units;
    version++;
    return true;
  }

  /** Whether {@code units} can be taken from stock. */
  public boolean has(int units) {
    return units <= stock;
  }

  /**
   * Takes units from stock for a reservation.
   *
   * @throws IllegalArgumentException when fewer are in stock, or units is not positive
   */
  public void take(int units) {
    if (units <= 0 || units > stock) {
      throw new IllegalArgumentException(
          "cannot take " + units + " units of product " + id + " with " + stock + " in stock");
    }
    stock -= units;
    version++;
  }

  /** Puts reserved units back in stock. */
  public void putBack(int units) {
    if (units <= 0) {
      throw new IllegalArgumentException("units put back must be positive");
    }
    stock = Math.addExact(stock, units); // an overflow must fail, not wrap to a negative stock
    version++;
  }

  public UUID id() {
    return id;
  }

  public String sku() {
    return sku;
  }

  public String name() {
    return name;
  }

  public BigDecimal price() {
    return price;
  }

  public int stock() {
    return stock;
  }

  public long version() {
    return version;
  }

  private static void requireStock(int units) {
    if (units < 0) {
      throw new IllegalArgumentException("stock must not be negative");
    }
  }
}
