package io.tideway.loadtest.modulith;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;

/**
 * {@code POST /customers}: the same body as the customer service's, with the same limits.
 *
 * @param name full name
 * @param email contact address
 * @param creditLimit the credit limit; two decimals at most
 * @param address where the customer lives
 */
record RegisterCustomerBody(
    @NotBlank @Size(max = 200) String name,
    @NotBlank @Email @Size(max = 320) String email,
    @NotNull @DecimalMin("0.00") @Digits(integer = 17, fraction = 2) BigDecimal creditLimit,
    @NotNull @Valid Address address) {

  /**
   * A postal address.
   *
   * @param street street and house number
   * @param city city or town
   * @param postalCode postal code as written in the country
   * @param country ISO 3166-1 alpha-2 code, e.g. {@code DE}
   */
  record Address(
      @NotBlank @Size(max = 200) String street,
      @NotBlank @Size(max = 100) String city,
      @NotBlank @Size(max = 20) String postalCode,
      @NotNull @Pattern(regexp = "[A-Z]{2}", message = "must be an ISO 3166-1 alpha-2 code")
          String country) {}
}
