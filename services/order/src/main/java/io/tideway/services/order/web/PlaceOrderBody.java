package io.tideway.services.order.web;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.UUID;

/**
 * {@code POST /orders}.
 *
 * @param customerId who orders
 * @param lines what, at least one line and at most 100
 */
public record PlaceOrderBody(
    @NotNull UUID customerId, @NotEmpty @Size(max = 100) List<@NotNull @Valid Line> lines) {

  /**
   * One line.
   *
   * @param productId the product
   * @param quantity units, 1 to 1,000,000
   */
  public record Line(@NotNull UUID productId, @NotNull @Min(1) @Max(1_000_000) Integer quantity) {}
}
