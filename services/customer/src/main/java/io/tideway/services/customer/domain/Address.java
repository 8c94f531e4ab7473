package io.tideway.services.customer.domain;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A postal address, as the customer entered it.
 *
 * @param street street and house number
 * @param city city or town
 * @param postalCode postal code as written in the country
 * @param country ISO 3166-1 alpha-2 code, e.g. {@code DE}
 */
public record Address(String street, String city, String postalCode, String country) {

  private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");

  public Address {
    requireText(street, "street");
    requireText(city, "city");
    requireText(postalCode, "postalCode");
    if (country == null || !COUNTRY.matcher(country).matches()) {
      throw new IllegalArgumentException("country must be an ISO 3166-1 alpha-2 code");
    }
  }

  private static void requireText(String value, String field) {
    if (Objects.requireNonNullElse(value, "").isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
  }
}
