package io.tideway.services.order.domain;

import java.util.Objects;
import java.util.UUID;

/**
 * A customer's address as the order service last heard of it, with the version of the customer
 * aggregate it comes from. Events can arrive late or twice; only a higher version is news.
 *
 * @param customerId the customer
 * @param customerVersion version of the customer aggregate this address belongs to
 * @param address the address
 */
public record CustomerAddress(UUID customerId, long customerVersion, Address address) {

  /** The version of a customer at registration: the customer service starts every one at 1. */
  public static final long REGISTERED_VERSION = 1;

  public CustomerAddress {
    Objects.requireNonNull(customerId, "customerId");
    Objects.requireNonNull(address, "address");
  }

  /** Whether this address is newer than what is known, or nothing is known yet. */
  public boolean supersedes(CustomerAddress known) {
    return known == null || customerVersion > known.customerVersion;
  }
}
