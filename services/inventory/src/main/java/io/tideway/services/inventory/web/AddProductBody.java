package io.tideway.services.inventory.web;

import io.tideway.services.starter.PlainText;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;

/**
 * {@code POST /products}.
 *
 * @param sku stock keeping unit, unique per product
 * @param name name shown to customers
 * @param price price of one unit; two decimals at most
 * @param stock units in stock, at most {@value #MAX_STOCK}
 */
public record AddProductBody(
    @NotBlank @Size(max = 64) @PlainText String sku,
    @NotBlank @Size(max = 200) @PlainText String name,
    @NotNull @DecimalMin("0.00") @Digits(integer = 17, fraction = 2) BigDecimal price,
    @NotNull @Min(0) @Max(MAX_STOCK) Integer stock) {

  /**
   * Units a product's stock is set to at most: far below {@code Integer.MAX_VALUE}, so that units
   * reserved meanwhile can be put back (a release that overflowed would leave them held); only
   * stock set to this again and again under reservations of as much could still overflow.
   */
  public static final int MAX_STOCK = 1_000_000_000;
}
