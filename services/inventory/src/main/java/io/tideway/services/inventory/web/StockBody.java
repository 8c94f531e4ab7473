package io.tideway.services.inventory.web;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * {@code PUT /products/{id}/stock}.
 *
 * @param stock units in stock from now on, at most {@value AddProductBody#MAX_STOCK}
 */
public record StockBody(@NotNull @Min(0) @Max(AddProductBody.MAX_STOCK) Integer stock) {}
