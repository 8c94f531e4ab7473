package io.tideway.services.customer.web;

import io.tideway.services.starter.PlainText;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;

/**
 * {@code POST /customers}.
 *
 * @param name full name
 * @param email contact address
 * @param creditLimit what the customer's open orders may reserve in total; two decimals at most
 * @param address where the customer lives
 */
public record RegisterCustomerBody(
    @NotBlank @Size(max = 200) @PlainText String name,
    @NotBlank @Email @Size(max = 320) @PlainText String email,
    @NotNull @DecimalMin("0.00") @Digits(integer = 17, fraction = 2) BigDecimal creditLimit,
    @NotNull @Valid AddressBody address) {}
