/**
 * What a topology jar is written against: {@link io.tideway.topology.TopologyProvider}, the topic
 * catalogue {@link io.tideway.topics.Topics}, and the {@link io.tideway.topology.TopologyContext}
 * that binds serdes to a deployment's registry.
 */
package io.tideway.topology;
