package io.tideway.topology;

import java.util.Map;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;

/**
 * Whether a topology's writes outside its deployment — commands to other services, records to
 * topics others read — take effect now. They do not while the runtime rebuilds a deployment under a
 * new application id ({@code tideway replay rebuild}): the rebuild replays history that the
 * deployment it replaces already acted on. The rebuild goes live before it takes over, so a record
 * both act on is written twice with the same event ids, which consumers deduplicate.
 *
 * <pre>{@code
 * context.sideEffects().whenLive(alerts, "alerts-when-live").to("alerts", ...);
 * }</pre>
 */
@FunctionalInterface
public interface SideEffects {

  /** The setting the runtime hands a rebuild's gate under (an object, not a string). */
  String CONFIG = "tideway.side.effects";

  /** Always live: every deployment that is not a rebuild. */
  SideEffects LIVE = () -> true;

  /** Whether writes outside the deployment take effect now. */
  boolean live();

  /**
   * The side effects a Kafka Streams configuration carries under {@link #CONFIG} (as the runtime
   * hands them to its error handlers), or {@link #LIVE}.
   */
  static SideEffects in(Map<String, ?> configs) {
    return configs.get(CONFIG) instanceof SideEffects effects ? effects : LIVE;
  }

  /**
   * The stream's records while side effects are live; put it before a sink to a topic outside the
   * deployment.
   *
   * @param name the filter's processor name
   */
  default <K, V> KStream<K, V> whenLive(KStream<K, V> stream, String name) {
    return stream.filter((key, value) -> live(), Named.as(name));
  }
}
