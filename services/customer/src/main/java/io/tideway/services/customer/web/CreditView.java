package io.tideway.services.customer.web;

import java.math.BigDecimal;
import java.util.UUID;

/**
 * A customer's credit: the limit, what the orders' reservations hold, and what is left.
 *
 * @param customerId the customer
 * @param creditLimit the credit limit
 * @param reserved held by reservations of orders (approved orders keep theirs)
 * @param available the limit less what is held
 */
public record CreditView(
    UUID customerId, BigDecimal creditLimit, BigDecimal reserved, BigDecimal available) {}
