package io.tideway.services.customer.domain;

import java.math.BigDecimal;
import java.util.Objects;
import java.util.UUID;

/**
 * The customer aggregate. Its version starts at 1 and grows by one with every change, so a consumer
 * of its events can tell a newer address from an older one delivered late.
 */
public final class Customer {

  private final UUID id;
  private final String name;
  private final String email;
  private final BigDecimal creditLimit;
  private Address address;
  private long version;

  private Customer(
      UUID id, String name, String email, BigDecimal creditLimit, Address address, long version) {
    this.id = Objects.requireNonNull(id, "id");
    this.name = requireText(name, "name");
    this.email = requireText(email, "email");
    if (!email.contains("@")) {
      throw new IllegalArgumentException("email must contain @");
    }
    this.creditLimit = Objects.requireNonNull(creditLimit, "creditLimit");
    if (creditLimit.signum() < 0 || creditLimit.scale() > 2) {
      throw new IllegalArgumentException(
          "creditLimit must not be negative and have at most 2 decimals");
    }
    this.address = Objects.requireNonNull(address, "address");
    this.version = version;
  }

  /** A new customer, at version 1. */
  public static Customer register(
      UUID id, String name, String email, BigDecimal creditLimit, Address address) {
    return new Customer(id, name, email, creditLimit.setScale(2), address, 1);
  }

  /** A customer as stored. */
  public static Customer restore(
      UUID id, String name, String email, BigDecimal creditLimit, Address address, long version) {
    return new Customer(id, name, email, creditLimit, address, version);
  }

  /**
   * Moves the customer to a new address.
   *
   * @return false, changing nothing, when the customer already lives there
   */
  public boolean changeAddress(Address newAddress) {
    Objects.requireNonNull(newAddress, "newAddress");
    if (newAddress.equals(address)) {
      return false;
    }
    address = newAddress;
    version++;
    return true;
  }

  public UUID id() {
    return id;
  }

  public String name() {
    return name;
  }

  public String email() {
    return email;
  }

  public BigDecimal creditLimit() {
    return creditLimit;
  }

  public Address address() {
    return address;
  }

  public long version() {
    return version;
  }

  private static String requireText(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
    return value;
  }
}
