package io.tideway.services.customer.web;

import io.tideway.services.customer.domain.Address;
import io.tideway.services.starter.PlainText;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * A postal address in a request or an answer.
 *
 * @param street street and house number
 * @param city city or town
 * @param postalCode postal code as written in the country
 * @param country ISO 3166-1 alpha-2 code, e.g. {@code DE}
 */
public record AddressBody(
    @NotBlank @Size(max = 200) @PlainText String street,
    @NotBlank @Size(max = 100) @PlainText String city,
    @NotBlank @Size(max = 20) @PlainText String postalCode,
    @NotNull @Pattern(regexp = "[A-Z]{2}", message = "must be an ISO 3166-1 alpha-2 code")
        String country) {

  static AddressBody of(Address a) {
    return new AddressBody(a.street(), a.city(), a.postalCode(), a.country());
  }

  Address toDomain() {
    return new Address(street, city, postalCode, country);
  }
}
