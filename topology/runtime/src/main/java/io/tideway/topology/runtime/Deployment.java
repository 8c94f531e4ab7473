package io.tideway.topology.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.tideway.topology.DeploymentContext;
import io.tideway.topology.RefusedResults;
import io.tideway.topology.RocksDbStoreConfig;
import io.tideway.topology.TopologyProvider;
import io.tideway.topology.runtime.errors.DeadLetterDeserializationHandler;
import io.tideway.topology.runtime.errors.DeadLetterProcessingHandler;
import io.tideway.topology.runtime.errors.DeadLetterProductionHandler;
import io.tideway.topology.runtime.errors.ErrorCounts;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One deployed topology: its provider's {@link Topology} running as one Kafka Streams client of its
 * application, with {@code instances} stream threads, its own state directory and a static group
 * membership id. More parallelism across machines comes from more runtimes: each is one member of
 * the application's group, and its HTTP address is the client's {@code application.server}.
 */
final class Deployment {

  private static final Logger log = LoggerFactory.getLogger(Deployment.class);
  private static final Duration METRICS_REFRESH = Duration.ofSeconds(5);

  private final TopologyProvider provider;
  private final String applicationId;
  private final TopologyJar jar;
  private final DeploymentContext context;
  private final Topology topology;
  private final Set<String> stores;
  private final Map<String, String> storeKinds;
  private final ProcessedEvents processed;
  private final Rebuild.Gate gate;
  private final Map<String, ProcessedEvents.Feed> feedsByStore;
  private final Map<String, Integer> subtopologyByStore = new HashMap<>();
  private final Map<Integer, Set<String>> sourceTopicsBySubtopology = new HashMap<>();

  /** Read by queries on other threads; set when the deployment starts, cleared when it stops. */
  private volatile KafkaStreams streams;

  private KafkaStreamsMetrics metrics;
  private int threads;

  /**
   * @param applicationId the provider's application id, or a later generation of it that a rebuild
   *     made
   */
  Deployment(
      TopologyProvider provider,
      String applicationId,
      TopologyJar jar,
      DeploymentContext context,
      Topology topology,
      Map<String, String> storeKinds,
      ProcessedEvents processed,
      Rebuild.Gate gate) {
    this.gate = gate;
    this.provider = provider;
    this.applicationId = applicationId;
    this.jar = jar;
    this.context = context;
    this.topology = topology;
    this.stores = TopologyRuntime.stores(topology);
    this.storeKinds = storeKinds;
    this.processed = processed;
    this.feedsByStore = feedsByStore(topology);
    for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
      for (TopologyDescription.Node node : sub.nodes()) {
        if (node instanceof TopologyDescription.Processor) {
          ((TopologyDescription.Processor) node)
              .stores()
              .forEach(store -> subtopologyByStore.put(store, sub.id()));
        } else if (node instanceof TopologyDescription.Source
            && ((TopologyDescription.Source) node).topicSet() != null) {
          sourceTopicsBySubtopology
              .computeIfAbsent(sub.id(), id -> new HashSet<>())
              .addAll(((TopologyDescription.Source) node).topicSet());
        }
      }
    }
  }

  String name() {
    return provider.name();
  }

  /** The Kafka Streams application id it runs under. */
  String applicationId() {
    return applicationId;
  }

  /**
   * The provider's application id, which names what stays across rebuilds: the dead-letter topic,
   * and the id the topology sees in its context.
   */
  String baseApplicationId() {
    return provider.applicationId();
  }

  DeploymentContext context() {
    return context;
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

  /** The kind of each store, by name; empty when unknown ({@link StoreKinds}). */
  Map<String, String> storeKinds() {
    return storeKinds;
  }

  /** Whether it acts: its side effects and metrics; see {@link Rebuild}. */
  Rebuild.Gate gate() {
    return gate;
  }

  /** What the deployment has processed lately. */
  ProcessedEvents processed() {
    return processed;
  }

  /**
   * How events reach a store: the processors that lead to it from each source of its sub-topology,
   * which report events done ({@link io.tideway.topology.ObservedProcessors}) one after the other,
   * and every processor on the way, any of which may fail an event.
   */
  ProcessedEvents.Feed feed(String store) {
    return feedsByStore.getOrDefault(store, ProcessedEvents.Feed.NONE);
  }

  private static Map<String, ProcessedEvents.Feed> feedsByStore(Topology topology) {
    Map<String, ProcessedEvents.Feed> byStore = new HashMap<>();
    for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
      Set<String> subStores = new HashSet<>();
      for (TopologyDescription.Node node : sub.nodes()) {
        if (node instanceof TopologyDescription.Processor processor) {
          subStores.addAll(processor.stores());
        }
      }
      for (String store : subStores) {
        Set<String> toStore = processorsLeadingTo(store, sub);
        List<Set<String>> entries = new ArrayList<>();
        for (TopologyDescription.Node node : sub.nodes()) {
          if (!(node instanceof TopologyDescription.Source)) {
            continue;
          }
          Set<String> children = new HashSet<>();
          for (TopologyDescription.Node child : node.successors()) {
            if (child instanceof TopologyDescription.Processor) {
              children.add(child.name());
            }
          }
          // A branch that does not lead to the store does not hold its answer up.
          Set<String> leading = new HashSet<>(children);
          leading.retainAll(toStore);
          if (!children.isEmpty()) {
            entries.add(Set.copyOf(leading.isEmpty() ? children : leading));
          }
        }
        byStore.put(store, new ProcessedEvents.Feed(List.copyOf(entries), Set.copyOf(toStore)));
      }
    }
    return byStore;
  }

  /** The processors of the store and every processor before them in the sub-topology. */
  private static Set<String> processorsLeadingTo(
      String store, TopologyDescription.Subtopology sub) {
    Set<String> leading = new HashSet<>();
    Deque<TopologyDescription.Node> todo = new ArrayDeque<>();
    for (TopologyDescription.Node node : sub.nodes()) {
      if (node instanceof TopologyDescription.Processor processor
          && processor.stores().contains(store)) {
        todo.add(node);
      }
    }
    while (!todo.isEmpty()) {
      TopologyDescription.Node node = todo.pop();
      if (node instanceof TopologyDescription.Processor && leading.add(node.name())) {
        todo.addAll(node.predecessors());
      }
    }
    return leading;
  }

  /** The partitions of a store whose active copy this client holds. */
  Set<Integer> activePartitions(String store) {
    KafkaStreams client = streams;
    Integer subtopology = subtopologyByStore.get(store);
    if (client == null || subtopology == null) {
      return Set.of();
    }
    Set<Integer> partitions = new HashSet<>();
    for (ThreadMetadata thread : client.metadataForLocalThreads()) {
      for (TaskMetadata task : thread.activeTasks()) {
        if (task.taskId().subtopology() == subtopology) {
          partitions.add(task.taskId().partition());
        }
      }
    }
    return partitions;
  }

  /**
   * The partitions of a store the group assigned to this client, as its metadata says: what {@link
   * #activePartitions} must match before this client's part of a scan is whole.
   */
  Set<Integer> assignedPartitions(String store, StreamsMetadata self) {
    Set<String> sources =
        sourceTopicsBySubtopology.getOrDefault(subtopologyByStore.get(store), Set.of());
    Set<Integer> partitions = new HashSet<>();
    for (TopicPartition partition : self.topicPartitions()) {
      String topic = partition.topic();
      // Repartition topics carry the application id as a prefix in the assignment only.
      if (sources.contains(topic)
          || sources.stream().anyMatch(source -> topic.equals(applicationId() + "-" + source))) {
        partitions.add(partition.partition());
      }
    }
    return partitions;
  }

  /** The running client, or null before {@link #start} and after {@link #close}. */
  KafkaStreams streams() {
    return streams;
  }

  /** Stream threads the client was started with. */
  int threads() {
    return threads;
  }

  /**
   * The Streams configuration: the platform's defaults, then the deployment's settings, then what
   * the runtime must own (ids, directories, handlers, threads).
   */
  static Properties streamsConfig(
      RuntimeSettings runtime,
      String instanceName,
      String applicationServer,
      String applicationId,
      String deadLetterTopic,
      Map<String, Object> settings,
      ErrorCounts errorCounts,
      int threads) {
    Properties props = new Properties();
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    // Exactly-once reads so by itself; at-least-once too, or it would take the records of
    // transactions aborted upstream (by topologies under exactly-once, say) as events.
    props.put(
        StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG),
        IsolationLevel.READ_COMMITTED.toString());
    props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, runtime.standbyReplicas());
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) runtime.replicationFactor());
    props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
    props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, RocksDbStoreConfig.class);
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
    props.put(StreamsConfig.STATE_DIR_CONFIG, runtime.stateDir().resolve(applicationId).toString());
    props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
    props.put(
        StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
        applicationId + "-" + instanceName);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, deadLetterTopic);
    props.put(ErrorCounts.CONFIG, errorCounts);
    return props;
  }

  /**
   * Starts the client; on failure, closes it again. A stream thread that fails is replaced, and its
   * static member removed from the group through {@code admin} ({@link FailedThreadMembers}).
   */
  void start(Properties config, MeterRegistry meters, Admin admin) {
    threads = Integer.parseInt(config.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG).toString());
    // Kafka loads the classes its settings name through this loader, and stream threads, made
    // here or replaced later from one of them, inherit it: the jar's classes must be found.
    ClassLoader previous = Thread.currentThread().getContextClassLoader();
    Thread.currentThread().setContextClassLoader(jar.loader());
    try {
      startClient(config, meters, admin);
    } finally {
      Thread.currentThread().setContextClassLoader(previous);
    }
  }

  private void startClient(Properties config, MeterRegistry meters, Admin admin) {
    streams =
        new KafkaStreams(
            topology,
            config,
            new ResultTracingClients(
                context.extension(RefusedResults.CONFIG, RefusedResults.class),
                config.getProperty(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG),
                ErrorCounts.from(config)));
    processed.countCommitsOf(streams);
    try {
      streams.setUncaughtExceptionHandler(
          e -> {
            log.error("A stream thread of {} failed; replacing it", name(), e);
            FailedThreadMembers.removeOnceGone(Thread.currentThread(), config, admin);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
          });
      streams.setStateListener((now, before) -> log.info("{}: {} -> {}", name(), before, now));
      // Operators add their metrics when their tasks start: look for new ones every few seconds.
      metrics =
          new KafkaStreamsMetrics(
              streams,
              Tags.of("deployment", name()),
              Executors.newSingleThreadScheduledExecutor(
                  task -> {
                    Thread thread = new Thread(task, "tideway-metrics-" + name());
                    thread.setDaemon(true);
                    return thread;
                  }),
              METRICS_REFRESH);
      metrics.bindTo(meters);
      streams.start();
    } catch (RuntimeException e) {
      close(Duration.ofSeconds(30), true);
      throw e;
    }
  }

  /** Stops processing, as a rebuild's switch needs; the stores still answer queries. */
  void pause() {
    KafkaStreams client = streams;
    if (client != null) {
      client.pause();
    }
  }

  /** Processes again after {@link #pause}. */
  void resume() {
    KafkaStreams client = streams;
    if (client != null) {
      client.resume();
    }
  }

  /** The client's state: {@code RUNNING}, {@code REBALANCING}, {@code ERROR}, … */
  String state() {
    KafkaStreams client = streams;
    return client == null ? KafkaStreams.State.NOT_RUNNING.name() : client.state().name();
  }

  /** Records still to be read across the input partitions this client owns. */
  long lag() {
    KafkaStreams client = streams;
    if (client == null) {
      return 0;
    }
    long lag = 0;
    for (Map.Entry<MetricName, ? extends Metric> entry : client.metrics().entrySet()) {
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
    return lag;
  }

  /**
   * Stops the client, waiting up to {@code timeout} for it to commit and close.
   *
   * @param leaveGroup whether it leaves the group at once (undeploy), or stays a member until its
   *     session times out (a restart, which then moves no partition)
   */
  void close(Duration timeout, boolean leaveGroup) {
    stopClient(timeout, leaveGroup);
    context.close();
  }

  /**
   * Stops the client and starts a new one with {@code config}, in the same group and over the same
   * local state, as a rebuild does to go from its replay's settings to the live ones.
   */
  void restart(Duration timeout, Properties config, MeterRegistry meters, Admin admin) {
    stopClient(timeout, false);
    start(config, meters, admin);
  }

  private void stopClient(Duration timeout, boolean leaveGroup) {
    if (streams != null) {
      CloseOptions options =
          CloseOptions.timeout(timeout)
              .withGroupMembershipOperation(
                  leaveGroup
                      ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP
                      : CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP);
      if (!streams.close(options)) {
        log.warn("{} did not close within {}", name(), timeout);
      }
      streams = null;
    }
    if (metrics != null) {
      metrics.close();
      metrics = null;
    }
  }
}
