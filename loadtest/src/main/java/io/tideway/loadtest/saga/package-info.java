/**
 * {@code tideway loadtest saga}: orders placed at a fixed rate through the order service's API,
 * each measured until the place-order saga has decided it.
 */
package io.tideway.loadtest.saga;
