/**
 * {@code tideway loadtest pipeline}: the whole pipeline measured with a peer in the same run, and
 * the peer itself, {@link io.tideway.loadtest.pipeline.ModulithPeer}: a Spring Modulith service
 * carrying the same events at equal durability.
 */
package io.tideway.loadtest.pipeline;
