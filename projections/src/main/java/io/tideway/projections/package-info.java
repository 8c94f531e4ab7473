/**
 * The reference read models and analytics, one topology deployed as {@code reference-projections}:
 * {@code order-view} and {@code customer-orders}, kept current from the order and customer events,
 * each event applied once (deduplicated by id); and sales per product in one-minute tumbling and
 * five-minute hopping windows, with the ten best-selling products of the last five minutes.
 */
package io.tideway.projections;
