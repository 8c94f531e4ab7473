package io.tideway.services.inventory.web;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * {@code PUT /products/{id}/stock}.
 *
 * @param stock units in stock from now on
 */
public record StockBody(@NotNull @Min(0) Integer stock) {}
