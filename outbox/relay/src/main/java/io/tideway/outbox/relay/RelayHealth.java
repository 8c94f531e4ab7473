package io.tideway.outbox.relay;

import java.util.Map;

/**
 * Whether the relay is streaming: each source's engine is running and connected to its replication
 * slot.
 *
 * @param sources each source's state, by source name
 */
public record RelayHealth(Map<String, SourceState> sources) {

  /** What one source's engine is doing. */
  public enum SourceState {
    /**
     * Starting, or restarting after a failure: until the restarted engine has relayed a batch, or
     * was handed none for a few seconds, so that one failing on the same event at each restart
     * never reads as streaming.
     */
    STARTING,
    /** Connected to the replication slot and streaming changes. */
    STREAMING,
    /** Running but not connected, e.g. while the database restarts. */
    DISCONNECTED,
    /**
     * Connected, but a batch of events has waited for Kafka longer than {@link
     * RelaySettings#stallAfter()}, or changes have waited that long for Debezium to hand them over
     * (held storing its offsets in Kafka), e.g. while the broker is down: nothing is relayed
     * meanwhile.
     */
    STALLED,
    /** Stopped for good. */
    STOPPED
  }

  public RelayHealth {
    sources = Map.copyOf(sources);
  }

  /** True when every source is streaming. */
  public boolean streaming() {
    return !sources.isEmpty()
        && sources.values().stream().allMatch(state -> state == SourceState.STREAMING);
  }
}
