package io.tideway.services.order.domain;

import java.util.Objects;

/**
 * A postal address an order ships to.
 *
 * @param street street and house number
 * @param city city or town
 * @param postalCode postal code as written in the country
 * @param country ISO 3166-1 alpha-2 code
 */
public record Address(String street, String city, String postalCode, String country) {

  public Address {
    Objects.requireNonNull(street, "street");
    Objects.requireNonNull(city, "city");
    Objects.requireNonNull(postalCode, "postalCode");
    Objects.requireNonNull(country, "country");
  }
}
