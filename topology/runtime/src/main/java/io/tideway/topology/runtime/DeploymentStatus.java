package io.tideway.topology.runtime;

import java.util.List;

/**
 * What {@code tideway deployments} shows of one deployment.
 *
 * @param name the deployment's name
 * @param applicationId its Kafka Streams application id
 * @param state {@code RUNNING}, or the state of an instance that is not running
 * @param instances Kafka Streams clients running it in this runtime
 * @param lag records still to be read on the input partitions it owns here
 * @param jar the file name of the jar it came from
 * @param stores the names of its state stores
 * @param added stores and repartition topics this version adds to the one recorded before
 * @param removed stores and repartition topics this version drops (only with a reset)
 */
public record DeploymentStatus(
    String name,
    String applicationId,
    String state,
    int instances,
    long lag,
    String jar,
    List<String> stores,
    List<String> added,
    List<String> removed) {}
