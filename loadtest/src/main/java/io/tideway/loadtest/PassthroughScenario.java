package io.tideway.loadtest;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Kafka Streams' own cost: a topology that copies each record from an input topic to an output
 * topic unchanged. A producer feeds the input on the schedule; a reader on the output completes
 * each record when it reads it, so latency is end to end: the producer, the broker twice, the
 * Streams application and, for {@code exactly_once_v2}, its transaction commits.
 *
 * <p>Records carry their {@link RecordStamp}, so values are at least {@value RecordStamp#SIZE}
 * bytes.
 */
public final class PassthroughScenario implements Scenario {

  /** The name on the command line and in reports. */
  public static final String NAME = "passthrough";

  static final String SOURCE_NAME = "passthrough-source";
  static final String SINK_NAME = "passthrough-sink";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final Guarantee guarantee;
  private final Map<String, String> producerSettings;
  private final Map<String, String> streamsSettings;

  /**
   * @param guarantee the Streams application's processing guarantee
   * @param producerOverrides settings of the producer feeding the input, on top of {@link
   *     ProducerSettings#DEFAULTS}
   * @param streamsOverrides settings of the Streams application on top of the scenario's (which set
   *     the guarantee, a 100 ms commit interval under exactly-once, and a 5 ms linger for its
   *     producer, as the feeding producer has)
   */
  public PassthroughScenario(
      Guarantee guarantee,
      Map<String, String> producerOverrides,
      Map<String, String> streamsOverrides) {
    this.guarantee = guarantee;
    this.producerSettings = ProducerSettings.withOverrides(producerOverrides);
    this.streamsSettings = streamsSettings(guarantee, streamsOverrides);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("guarantee", guarantee.configValue());
    settings.put("producer", producerSettings);
    settings.put("streams", streamsSettings);
    return settings;
  }

  @Override
  public void check(LoadSettings settings) {
    if (settings.recordSize() < RecordStamp.SIZE) {
      throw new IllegalArgumentException(
          "--record-size must be at least "
              + RecordStamp.SIZE
              + " for "
              + NAME
              + ", whose records carry their send time and sequence number (was "
              + settings.recordSize()
              + ")");
    }
  }

  @Override
  public Workload start(RunContext context) throws Exception {
    String input = context.createTopic("in");
    String output = context.createTopic("out");
    String applicationId = context.name("app");
    context.deleteGroupAtEnd(applicationId);
    PassthroughWorkload workload = new PassthroughWorkload(context, input, guarantee);
    try {
      workload.startStreams(
          topology(input, output), streamsProperties(context, applicationId), START_TIMEOUT);
      workload.startReader(output);
      workload.startProducer(context.producerProperties("feed", producerSettings));
      return workload;
    } catch (Exception e) {
      try {
        workload.close();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Input to output, unchanged, through processors named for what they are. */
  static Topology topology(String input, String output) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(
            input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(SOURCE_NAME))
        .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(SINK_NAME));
    return builder.build();
  }

  private static Map<String, String> streamsSettings(
      Guarantee guarantee, Map<String, String> overrides) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee.configValue());
    if (guarantee.transactional()) {
      // Output becomes visible only at commit, so the commit interval bounds latency from below.
      settings.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
    }
    // Streams lingers 100 ms by default; the feeding producer's 5 ms keeps the hop comparable.
    settings.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "5");
    settings.putAll(overrides);
    return settings;
  }

  private Properties streamsProperties(RunContext context, String applicationId)
      throws IOException {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, context.bootstrapServers());
    props.put(StreamsConfig.STATE_DIR_CONFIG, context.createTempDirectory().toString());
    props.putAll(streamsSettings);
    return props;
  }

  /** The feeding producer, the Streams application and the output reader of one run. */
  private static final class PassthroughWorkload implements Workload {

    private final RunContext context;
    private final String input;
    private final Guarantee guarantee;
    private KafkaStreams streams;
    private OutputReader reader;
    private Producer<byte[], byte[]> producer;

    PassthroughWorkload(RunContext context, String input, Guarantee guarantee) {
      this.context = context;
      this.input = input;
      this.guarantee = guarantee;
    }

    void startStreams(Topology topology, Properties props, Duration timeout)
        throws LoadTestException, InterruptedException {
      CountDownLatch running = new CountDownLatch(1);
      streams = new KafkaStreams(topology, props);
      streams.setStateListener(
          (now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
              running.countDown();
            } else if (now == KafkaStreams.State.ERROR) {
              context.fail(new IllegalStateException("the Kafka Streams application failed"));
            }
          });
      streams.setUncaughtExceptionHandler(
          e -> {
            context.fail(e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
          });
      streams.start();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!running.await(100, TimeUnit.MILLISECONDS)) {
        if (context.failure() != null) {
          throw new LoadTestException(
              "The Kafka Streams application failed to start: " + context.failure(),
              context.failure());
        }
        if (System.nanoTime() > deadline) {
          throw new LoadTestException(
              "The Kafka Streams application was not running within "
                  + DurationText.format(timeout)
                  + " (state "
                  + streams.state()
                  + ")");
        }
      }
    }

    void startReader(String output) {
      reader =
          OutputReader.start(
              context,
              output,
              guarantee.transactional()
                  ? IsolationLevel.READ_COMMITTED
                  : IsolationLevel.READ_UNCOMMITTED);
    }

    void startProducer(Properties props) {
      producer = new KafkaProducer<>(props);
    }

    @Override
    public void send(long sequence, long intendedNanos) {
      producer.send(
          new ProducerRecord<>(input, context.payload(sequence, intendedNanos)),
          (metadata, e) -> {
            if (e != null) {
              context.fail(e);
            }
          });
    }

    @Override
    public void close() {
      try {
        if (producer != null) {
          producer.close(CLOSE_TIMEOUT);
        }
      } finally {
        try {
          if (streams != null) {
            // Leaving the group lets the run delete it right away.
            streams.close(
                CloseOptions.groupMembershipOperation(
                        CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(CLOSE_TIMEOUT));
          }
        } finally {
          if (reader != null) {
            reader.close();
          }
        }
      }
    }
  }
}
