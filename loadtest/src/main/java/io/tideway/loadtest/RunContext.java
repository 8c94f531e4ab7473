package io.tideway.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link Scenario} gets from the harness for one run: the broker, names unique to the run,
 * topics and directories that are removed when the run ends (also after a failure), and the place
 * to report each record's completion.
 *
 * <p>A scenario that does not use Kafka ({@link Scenario#usesKafka()} false) gets a context without
 * a broker: everything else works, but asking for the broker, a topic or producer properties is a
 * programming error.
 */
public final class RunContext {

  private static final Logger LOG = LoggerFactory.getLogger(RunContext.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  private final String scenario;
  private final String runId;
  private final String bootstrapServers;
  private final LoadSettings settings;
  private final Admin admin; // null without Kafka
  private final LatencyRecording recording;
  private final Ticker ticker;
  private final byte[] filler;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final List<String> topics = new ArrayList<>();
  private final List<String> groups = new ArrayList<>();
  private final List<Path> directories = new ArrayList<>();

  private RunContext(
      String scenario,
      String bootstrapServers,
      LoadSettings settings,
      Admin admin,
      LatencyRecording recording,
      Ticker ticker) {
    this.scenario = scenario;
    this.runId = UUID.randomUUID().toString().substring(0, 8);
    this.bootstrapServers = bootstrapServers;
    this.settings = settings;
    this.admin = admin;
    this.recording = recording;
    this.ticker = ticker;
    this.filler = filler(settings.recordSize());
  }

  /**
   * Connects to the broker, failing within {@code connectTimeout} when it does not answer.
   *
   * @throws LoadTestException when the broker cannot be reached
   */
  static RunContext open(
      String scenario,
      String bootstrapServers,
      LoadSettings settings,
      Duration connectTimeout,
      LatencyRecording recording,
      Ticker ticker)
      throws LoadTestException, InterruptedException {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "loadtest-" + scenario + "-admin");
    props.put(
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(ADMIN_TIMEOUT.toMillis()));
    Admin admin;
    try {
      admin = Admin.create(props);
    } catch (KafkaException e) {
      throw new LoadTestException(
          "Cannot use bootstrap server '" + bootstrapServers + "': " + rootMessage(e), e);
    }
    try {
      admin
          .describeCluster(new DescribeClusterOptions().timeoutMs((int) connectTimeout.toMillis()))
          .clusterId()
          .get(connectTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      admin.close(Duration.ZERO);
      throw new LoadTestException(
          "Kafka at "
              + bootstrapServers
              + " did not answer within "
              + DurationText.format(connectTimeout)
              + ": is it running, and is that its address?",
          e);
    } catch (InterruptedException e) {
      admin.close(Duration.ZERO);
      throw e;
    }
    return new RunContext(scenario, bootstrapServers, settings, admin, recording, ticker);
  }

  /** A context for a scenario that does not use Kafka: nothing to connect to, nothing to fail. */
  static RunContext withoutKafka(
      String scenario, LoadSettings settings, LatencyRecording recording, Ticker ticker) {
    return new RunContext(scenario, null, settings, null, recording, ticker);
  }

  /** The run's identifier: eight hex digits, part of every name the run creates. */
  public String runId() {
    return runId;
  }

  /** The broker's address, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    kafka();
    return bootstrapServers;
  }

  /** The load's shape. */
  public LoadSettings settings() {
    return settings;
  }

  /** An admin client on the broker, closed when the run ends. */
  public Admin admin() {
    return kafka();
  }

  /**
   * A name unique to this run for a topic, group or application in some role: {@code
   * loadtest.<scenario>.<runId>.<role>}.
   */
  public String name(String role) {
    return "loadtest." + scenario + "." + runId + "." + role;
  }

  /**
   * Creates the run's topic for {@code role} with the settings' partition count and the broker's
   * default replication, and waits until every partition has a leader; it is deleted when the run
   * ends.
   *
   * @return the topic's name, see {@link #name(String)}
   */
  public String createTopic(String role) throws LoadTestException, InterruptedException {
    String topic = name(role);
    NewTopic newTopic =
        new NewTopic(topic, Optional.of(settings.topicPartitions()), Optional.empty());
    await(kafka().createTopics(List.of(newTopic)).all(), "create topic " + topic);
    synchronized (topics) {
      topics.add(topic);
    }
    try {
      TopicLeaders.await(kafka(), List.of(topic), ADMIN_TIMEOUT);
    } catch (ExecutionException | TimeoutException e) {
      throw new LoadTestException("Topic " + topic + " is not ready: " + rootMessage(e), e);
    }
    return topic;
  }

  /** Deletes a consumer group, such as a Streams application's, when the run ends. */
  public void deleteGroupAtEnd(String groupId) {
    kafka();
    synchronized (groups) {
      groups.add(groupId);
    }
  }

  /** Creates a temporary directory that is deleted when the run ends. */
  public Path createTempDirectory() throws IOException {
    Path dir = Files.createTempDirectory("tideway-loadtest-" + runId + "-");
    synchronized (directories) {
      directories.add(dir);
    }
    return dir;
  }

  /**
   * Properties for a producer of byte arrays on this broker with the given settings, e.g. from
   * {@link ProducerSettings#withOverrides(Map)}.
   */
  public Properties producerProperties(String role, Map<String, String> producerSettings) {
    kafka();
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, name(role));
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.putAll(producerSettings);
    return props;
  }

  /**
   * A new record value of the settings' size: filler text, with a {@link RecordStamp} at the start
   * when it fits.
   */
  public byte[] payload(long sequence, long intendedNanos) {
    byte[] value = filler.clone();
    if (value.length >= RecordStamp.SIZE) {
      RecordStamp.write(value, intendedNanos, sequence);
    }
    return value;
  }

  /** The clock intended send times are on. */
  public long nanoTime() {
    return ticker.nanoTime();
  }

  /** A record completed now; call from any thread. */
  public void completed(long intendedNanos) {
    recording.record(intendedNanos, ticker.nanoTime());
  }

  /** A record completed at {@code completedNanos} (from {@link #nanoTime()}); any thread. */
  public void completed(long intendedNanos, long completedNanos) {
    recording.record(intendedNanos, completedNanos);
  }

  /** Ends the run with this failure as soon as its thread notices; any thread. The first wins. */
  public void fail(Throwable cause) {
    failure.compareAndSet(null, cause);
  }

  Throwable failure() {
    return failure.get();
  }

  /** Removes what the run created; logs what it could not remove rather than failing the run. */
  void close() {
    if (admin == null) {
      directories.forEach(RunContext::deleteRecursively);
      return;
    }
    try {
      if (!groups.isEmpty()) {
        tryTo(admin.deleteConsumerGroups(groups).all(), "delete groups " + groups);
      }
      if (!topics.isEmpty()) {
        tryTo(admin.deleteTopics(topics).all(), "delete topics " + topics);
      }
    } finally {
      admin.close(ADMIN_TIMEOUT);
      directories.forEach(RunContext::deleteRecursively);
    }
  }

  private Admin kafka() {
    if (admin == null) {
      throw new IllegalStateException(
          "The " + scenario + " scenario does not use Kafka: it has no broker, topics or groups");
    }
    return admin;
  }

  private static void await(KafkaFuture<Void> future, String what)
      throws LoadTestException, InterruptedException {
    try {
      future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new LoadTestException("Could not " + what + ": " + rootMessage(e), e);
    }
  }

  private void tryTo(KafkaFuture<Void> future, String what) {
    try {
      await(future, what);
    } catch (LoadTestException e) {
      LOG.warn("{} (run {}); remove them by hand", e.getMessage(), runId);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.warn("Interrupted before being able to {} (run {})", what, runId);
    }
  }

  private static void deleteRecursively(Path dir) {
    try {
      LocalState.delete(dir);
    } catch (IOException e) {
      LOG.warn("Could not delete temporary directory {}: {}", dir, e.toString());
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }

  /** Printable filler, so record values look like text in tools, and do not compress to nothing. */
  private static byte[] filler(int size) {
    Random random = new Random(size);
    byte[] value = new byte[size];
    for (int i = 0; i < size; i++) {
      value[i] = (byte) ('A' + random.nextInt(26));
    }
    return value;
  }
}
