package io.tideway.loadtest;

/** A started {@link Scenario}: takes records on the schedule until the run closes it. */
public interface Workload {

  /**
   * Sends one record. Called on the run's thread, at or after the record's due time; it should hand
   * the record over without waiting for it to complete, or the load is no longer open-loop.
   * Blocking while a client's buffer is full is fine: the wait counts as latency.
   *
   * @param sequence the record's number in the run, from 0
   * @param intendedNanos when the schedule meant it to be sent, on the {@link System#nanoTime()}
   *     clock; pass it back to {@link RunContext#completed(long)} on completion
   */
  void send(long sequence, long intendedNanos) throws Exception;

  /**
   * Stops the clients and applications the workload started; by default there are none. The run
   * deletes its topics, groups and directories afterwards, also after a failure.
   */
  default void close() throws Exception {}
}
