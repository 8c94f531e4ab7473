package io.tideway.services.order.domain;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A postal address an order ships to, within the limits the customer service accepts. An address
 * outside them, which only a faulty producer can send, is refused here rather than by the database:
 * a batch of events saves only each customer's newest address, so the database never sees the ones
 * in between.
 *
 * @param street street and house number, at most 200 characters
 * @param city city or town, at most 100 characters
 * @param postalCode postal code as written in the country, at most 20 characters
 * @param country ISO 3166-1 alpha-2 code
 */
public record Address(String street, String city, String postalCode, String country) {

  private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");

  public Address {
    requireAtMost(street, 200, "street");
    requireAtMost(city, 100, "city");
    requireAtMost(postalCode, 20, "postalCode");
    Objects.requireNonNull(country, "country");
    if (!COUNTRY.matcher(country).matches()) {
      throw new IllegalArgumentException(
          "country '" + country + "' is not an ISO 3166-1 alpha-2 code");
    }
  }

  private static void requireAtMost(String value, int length, String field) {
    Objects.requireNonNull(value, field);
    if (value.length() > length) {
      throw new IllegalArgumentException(
          field + " is " + value.length() + " characters long, more than " + length);
    }
  }
}
