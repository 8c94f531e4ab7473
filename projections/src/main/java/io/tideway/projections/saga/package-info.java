/**
 * The place-order saga, deployed as {@code order-saga}: an order placed reserves the customer's
 * credit, then the stock, then approves the order; a failure or a timeout undoes what was done, in
 * reverse order, and rejects the order.
 */
package io.tideway.projections.saga;
