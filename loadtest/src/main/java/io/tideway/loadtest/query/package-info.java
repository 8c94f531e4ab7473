/**
 * {@code tideway loadtest query}: interactive-query lookups against two topology runtimes, keys the
 * asked instance owns and keys it forwards to the other.
 */
package io.tideway.loadtest.query;
