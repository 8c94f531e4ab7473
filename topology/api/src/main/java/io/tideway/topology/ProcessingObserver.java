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
   * A processor will report the records it processes: told once for each, as the topology is built.
   * Processors of a topology not built with {@link TopologyContext#streamsBuilder()} are never
   * named here.
   *
   * @param processor the processor's name
   */
  default void observes(String processor) {}

  /**
   * A record and everything it caused below one processor of its sub-topology are processed.
   *
   * @param processor the name of that processor, one the sub-topology's source forwards to
   * @param partition the partition of the task that processed it: where the keys it wrote live
   * @param offset the offset of the input record, or -1 when not known: the same event read again
   *     (a re-drive) comes at another
   * @param eventId the record's {@code id} header, or null
   * @param occurredAt its {@code occurredAt} header, or -1
   */
  void processed(String processor, int partition, long offset, String eventId, long occurredAt);

  /**
   * A processor threw on a record, which then went to the dead-letter topic while processing went
   * on: what that processor and those below it would have done for the record is not done. Also
   * told of a processor that skipped a record read again to be dead-lettered whole (its result
   * refused before), as the first processor of its forward threw on it.
   *
   * @param processor the name of the processor that threw or skipped it, at any depth of its
   *     sub-topology
   * @param partition the partition of the task that processed it
   * @param offset the offset of the input record
   * @param eventId the record's {@code id} header, or null
   * @param key the key of the record the processor threw on, or null
   */
  default void failed(String processor, int partition, long offset, String eventId, Object key) {}
}
