package io.tideway.topology;

/**
 * Told each time a record has been processed through a sub-topology, for read-your-writes queries
 * and end-to-end latency. The runtime passes one to {@link DeploymentContext} under {@link
 * #CONFIG}; {@link TopologyContext#streamsBuilder()} then wraps every processor with {@link
 * ObservedProcessors}.
 */
public interface ProcessingObserver {

  /** The setting the runtime passes its observer under (an object, not a string). */
  String CONFIG = "tideway.processing.observer";

  /**
   * A record and everything it caused below one processor of its sub-topology are processed.
   *
   * @param processor the name of that processor, one the sub-topology's source forwards to
   * @param partition the partition of the task that processed it: where the keys it wrote live
   * @param eventId the record's {@code id} header, or null
   * @param occurredAt its {@code occurredAt} header, or -1
   */
  void processed(String processor, int partition, String eventId, long occurredAt);

  /**
   * A processor threw on a record, which then went to the dead-letter topic while processing went
   * on: what that processor and those below it would have done for the record is not done.
   *
   * @param processor the name of the processor that threw, at any depth of its sub-topology
   * @param partition the partition of the task that processed it
   * @param eventId the record's {@code id} header, or null
   */
  default void failed(String processor, int partition, String eventId) {}
}
