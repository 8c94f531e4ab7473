package io.tideway.topology.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.tideway.topology.DeploymentContext;
import io.tideway.topology.Topics;
import io.tideway.topology.TopologyProvider;
import io.tideway.topology.runtime.errors.DeadLetterCount;
import io.tideway.topology.runtime.errors.DeadLetterDeserializationHandler;
import io.tideway.topology.runtime.errors.DeadLetterProcessingHandler;
import io.tideway.topology.runtime.errors.DeadLetterProductionHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One deployed topology: its provider's {@link Topology} running as {@code instances} Kafka Streams
 * clients of one application in this runtime, each with its own state directory and static group
 * membership id.
 */
final class Deployment {

  private static final Logger log = LoggerFactory.getLogger(Deployment.class);
  private static final Duration METRICS_REFRESH = Duration.ofSeconds(5);

  private final TopologyProvider provider;
  private final TopologyJar jar;
  private final DeploymentContext context;
  private final Topology topology;
  private final Set<String> stores;
  private final List<KafkaStreams> instances = new ArrayList<>();
  private final List<KafkaStreamsMetrics> metrics = new ArrayList<>();

  Deployment(
      TopologyProvider provider, TopologyJar jar, DeploymentContext context, Topology topology) {
    this.provider = provider;
    this.jar = jar;
    this.context = context;
    this.topology = topology;
    this.stores = TopologyRuntime.stores(topology);
  }

  String name() {
    return provider.name();
  }

  String applicationId() {
    return provider.applicationId();
  }

  TopologyProvider provider() {
    return provider;
  }

  TopologyJar jar() {
    return jar;
  }

  Topology topology() {
    return topology;
  }

  /** The names of the topology's state stores. */
  Set<String> stores() {
    return stores;
  }

  List<KafkaStreams> instances() {
    return instances;
  }

  /**
   * The Streams configuration of instance {@code index}: the platform's defaults, then the
   * deployment's settings, then what the runtime must own (ids, directories, handlers).
   */
  static Properties streamsConfig(
      RuntimeSettings runtime,
      String instanceName,
      String applicationServer,
      String applicationId,
      Map<String, Object> settings,
      DeadLetterCount deadLetters,
      int index) {
    Properties props = new Properties();
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, runtime.standbyReplicas());
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) runtime.replicationFactor());
    props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
    props.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterDeserializationHandler.class);
    props.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
    props.put(
        StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProductionHandler.class);
    props.putAll(settings);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, runtime.bootstrapServers());
    props.put(
        StreamsConfig.STATE_DIR_CONFIG,
        runtime.stateDir().resolve(applicationId).resolve(String.valueOf(index)).toString());
    props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
    props.put(
        StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
        applicationId + "-" + instanceName + "-" + index);
    props.put(
        StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
        Topics.deadLetters(applicationId).name());
    props.put(DeadLetterCount.CONFIG, deadLetters);
    return props;
  }

  /** Starts every instance; on failure, closes those already started. */
  void start(List<Properties> configs, MeterRegistry meters) {
    try {
      for (int i = 0; i < configs.size(); i++) {
        KafkaStreams streams = new KafkaStreams(topology, configs.get(i));
        String instance = String.valueOf(i);
        streams.setUncaughtExceptionHandler(
            e -> {
              log.error(
                  "Stream thread of {} (instance {}) failed; replacing it", name(), instance, e);
              return StreamThreadExceptionResponse.REPLACE_THREAD;
            });
        streams.setStateListener(
            (now, before) -> log.info("{} instance {}: {} -> {}", name(), instance, before, now));
        KafkaStreamsMetrics bound =
            new KafkaStreamsMetrics(streams, Tags.of("deployment", name(), "instance", instance));
        bound.bindTo(meters);
        metrics.add(bound);
        instances.add(streams);
        streams.start();
      }
    } catch (RuntimeException e) {
      close(Duration.ofSeconds(30), true);
      throw e;
    }
  }

  /**
   * The deployment's state: {@code RUNNING} when every instance runs, else the first instance's
   * state that is not {@code RUNNING} ({@code REBALANCING}, {@code ERROR}, …).
   */
  String state() {
    for (KafkaStreams streams : instances) {
      KafkaStreams.State state = streams.state();
      if (state != KafkaStreams.State.RUNNING) {
        return state.name();
      }
    }
    return instances.isEmpty() ? "NOT_RUNNING" : KafkaStreams.State.RUNNING.name();
  }

  /** Records still to be read across the input partitions this deployment's instances own. */
  long lag() {
    long lag = 0;
    for (KafkaStreams streams : instances) {
      for (Map.Entry<MetricName, ? extends Metric> entry : streams.metrics().entrySet()) {
        MetricName name = entry.getKey();
        if (name.name().equals("records-lag")
            && name.group().equals("consumer-fetch-manager-metrics")
            && !name.tags().getOrDefault("client-id", "").contains("restore-consumer")) {
          Object value = entry.getValue().metricValue();
          if (value instanceof Number && !Double.isNaN(((Number) value).doubleValue())) {
            lag += ((Number) value).longValue();
          }
        }
      }
    }
    return lag;
  }

  /**
   * Stops every instance, waiting up to {@code timeout} for each to commit and close.
   *
   * @param leaveGroup whether the instances leave the group at once (undeploy), or stay members
   *     until their session times out (a restart, which then moves no partition)
   */
  void close(Duration timeout, boolean leaveGroup) {
    CloseOptions options =
        CloseOptions.timeout(timeout)
            .withGroupMembershipOperation(
                leaveGroup
                    ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP
                    : CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP);
    for (KafkaStreams streams : instances) {
      if (!streams.close(options)) {
        log.warn("{} did not close within {}", name(), timeout);
      }
    }
    metrics.forEach(KafkaStreamsMetrics::close);
    metrics.clear();
    instances.clear();
    context.close();
  }
}
