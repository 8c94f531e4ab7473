package io.tideway.loadtest.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.tideway.contracts.common.Address;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.loadtest.LoadSettings;
import io.tideway.loadtest.LoadTest;
import io.tideway.loadtest.LoadTestException;
import io.tideway.loadtest.LoadTestResult;
import io.tideway.loadtest.LocalState;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.topics.Topics;
import io.tideway.topology.DeploymentContext;
import io.tideway.topology.EventHeaders;
import io.tideway.topology.runtime.RuntimeClient;
import io.tideway.topology.runtime.TopologyRuntime;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Interactive queries under load. Starts two topology runtimes on one broker, each in a JVM of its
 * own, deploys {@link CustomerLookups} on both from a topology jar, feeds one customer event per
 * key, and learns which runtime owns each key. Then two open-loop phases ask runtime {@code a}
 * only: lookups of the keys it owns (answered from its own store) and lookups of the keys {@code b}
 * owns (forwarded to {@code b} and relayed back). Latency runs from each lookup's intended send
 * time to its {@code 200} answer read to its end.
 *
 * <p>The generator runs in this JVM, apart from the servers, as a runtime's callers do: a garbage
 * collection or a compilation on one side does not stall the other, and unless asked otherwise the
 * two sides run on separate processors ({@link CoreSplit}). Nothing is left behind: the runtimes'
 * processes end, and the application's group and topics and the state directories are deleted at
 * the end.
 */
public final class QueryBenchmark {

  /** Local lookups per second, at least. */
  public static final int LOCAL_RATE_TARGET = 20_000;

  /** Local lookups' p99 at that rate, at most. */
  public static final double LOCAL_P99_TARGET_MS = 5;

  /** Forwarded lookups' p99, at most. */
  public static final double FORWARDED_P99_TARGET_MS = 15;

  /** Unmeasured lookups at the start of each measured phase, at its rate. */
  private static final Duration SETTLE = Duration.ofSeconds(5);

  /** How long the store may take to hold every fed key. */
  private static final Duration LOADED_TIMEOUT = Duration.ofMinutes(2);

  /**
   * @param bootstrapServers the broker
   * @param registryUrl the schema registry the topology and the feed use
   * @param keys distinct keys in the store
   * @param localRate local lookups per second
   * @param forwardedRate forwarded lookups per second
   * @param concurrency lookups in flight at most
   * @param warmup unmeasured lookups of every key at half the local rate before the phases, so that
   *     the measured ones run compiled code rather than a backlog built while the JIT compiler
   *     worked
   * @param duration each phase's measured length
   * @param splitCores keep the runtimes and the generator on separate processors ({@link
   *     CoreSplit}); otherwise they share them
   * @param runtimeJvmOptions options of the runtimes' JVMs, both the same, such as {@code
   *     -XX:StartFlightRecording=filename=DIR} (a directory: a recording per process)
   */
  public record Settings(
      String bootstrapServers,
      String registryUrl,
      int keys,
      int localRate,
      int forwardedRate,
      int concurrency,
      Duration warmup,
      Duration duration,
      boolean splitCores,
      List<String> runtimeJvmOptions) {

    /** Rejects settings that cannot run, naming the option. */
    public Settings {
      runtimeJvmOptions = List.copyOf(runtimeJvmOptions);
      if (keys < 2) {
        throw new IllegalArgumentException("--keys must be at least 2 (was " + keys + ")");
      }
      if (localRate < 1 || forwardedRate < 1 || concurrency < 1) {
        throw new IllegalArgumentException(
            "--rate, --forwarded-rate and --concurrency must be at least 1");
      }
    }
  }

  /**
   * Both phases.
   *
   * @param localKeys keys runtime {@code a} owns
   * @param forwardedKeys keys runtime {@code b} owns
   * @param localServer what runtime {@code a}'s own timer saw of the local phase
   * @param cores where the runtimes and the generator ran
   */
  public record Report(
      LoadTestResult local,
      LoadTestResult forwarded,
      int localKeys,
      int forwardedKeys,
      ServerTimes localServer,
      String cores) {

    /** Whether local lookups kept the target rate (within 1% of the schedule) and p99. */
    public boolean localPasses() {
      return local.recordsPerSecond() >= LOCAL_RATE_TARGET * 0.99
          && local.latency().p99() <= LOCAL_P99_TARGET_MS;
    }

    /** Whether forwarded lookups were measured and kept the target p99. */
    public boolean forwardedPasses() {
      return forwarded.recordsMeasured() > 0
          && forwarded.latency().p99() <= FORWARDED_P99_TARGET_MS;
    }

    /** The figures against the targets, a line each. */
    public List<String> lines() {
      return List.of(
          String.format(
              "local     %,9.0f lookups/s (target >= %,d), p50 %.2f ms, p99 %.2f ms (target <= %.0f"
                  + " ms): %s",
              local.recordsPerSecond(),
              LOCAL_RATE_TARGET,
              local.latency().p50(),
              local.latency().p99(),
              LOCAL_P99_TARGET_MS,
              localPasses() ? "PASS" : "MISS"),
          String.format(
              "forwarded %,9.0f lookups/s, p50 %.2f ms, p99 %.2f ms (target <= %.0f ms): %s",
              forwarded.recordsPerSecond(),
              forwarded.latency().p50(),
              forwarded.latency().p99(),
              FORWARDED_P99_TARGET_MS,
              forwardedPasses() ? "PASS" : "MISS"),
          String.format(
              "server    %.3f%% of runtime a's %,d lookups in the local phase (its warm-up"
                  + " included) answered within %.0f ms of arriving, by its own timer",
              localServer.shareWithinTarget() * 100, localServer.lookups(), LOCAL_P99_TARGET_MS));
    }
  }

  /**
   * What the server's own timer ({@link TopologyRuntime#LOOKUP_METRIC}) saw: lookups, and how many
   * were answered within the local p99 target of their arrival. Beside the generator's figures,
   * which start at each lookup's scheduled send, it tells the server's tail from the generator's
   * and the connections'.
   *
   * @param lookups lookups answered
   * @param withinTarget those answered within {@link #LOCAL_P99_TARGET_MS}
   */
  public record ServerTimes(long lookups, long withinTarget) {

    private static final String PROMETHEUS_NAME =
        TopologyRuntime.LOOKUP_METRIC.replace('.', '_') + "_seconds";
    private static final String TARGET_BUCKET = "le=\"" + LOCAL_P99_TARGET_MS / 1000 + "\"";

    /** Reads the timer from a runtime's {@code /metrics}. */
    static ServerTimes scrape(String runtimeUrl) throws IOException, InterruptedException {
      HttpResponse<String> answer =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(runtimeUrl + "/metrics"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() != 200) {
        throw new IOException(
            runtimeUrl + "/metrics answered " + answer.statusCode() + ": " + answer.body());
      }
      return parse(answer.body());
    }

    /** Sums the timer's counts over its statuses, from Prometheus' text format. */
    static ServerTimes parse(String scrape) {
      long lookups = 0;
      long within = 0;
      for (String line : scrape.split("\n")) {
        String value = line.substring(line.lastIndexOf(' ') + 1);
        if (line.startsWith(PROMETHEUS_NAME + "_count{")) {
          lookups += (long) Double.parseDouble(value);
        } else if (line.startsWith(PROMETHEUS_NAME + "_bucket{") && line.contains(TARGET_BUCKET)) {
          within += (long) Double.parseDouble(value);
        }
      }
      return new ServerTimes(lookups, within);
    }

    ServerTimes since(ServerTimes earlier) {
      return new ServerTimes(lookups - earlier.lookups, withinTarget - earlier.withinTarget);
    }

    /** The share answered within the target, 0 to 1; 0 when none were. */
    public double shareWithinTarget() {
      return lookups == 0 ? 0 : (double) withinTarget / lookups;
    }
  }

  private final Settings settings;
  private final Consumer<String> progress;
  private final AtomicReference<LoadTest> current = new AtomicReference<>();
  private volatile boolean stopped;

  public QueryBenchmark(Settings settings, Consumer<String> progress) {
    this.settings = settings;
    this.progress = progress;
  }

  /** Asks a running benchmark to end its current phase early; safe from any thread. */
  public void stop() {
    stopped = true;
    LoadTest test = current.get();
    if (test != null) {
      test.stop();
    }
  }

  /** Sets up, runs both phases and removes what it created. */
  public Report run() throws Exception {
    String input = "loadtest.query." + UUID.randomUUID().toString().substring(0, 8) + ".customers";
    Path dir = Files.createTempDirectory("tideway-query-bench");
    progress.accept("Starting runtimes a and b, each in a JVM of its own ...");
    try (LookupRuntimeProcess a = start(dir, "a");
        LookupRuntimeProcess b = start(dir, "b");
        CoreSplit cores =
            settings.splitCores()
                ? CoreSplit.apply(List.of(a.pid(), b.pid()), progress)
                : CoreSplit.shared("as asked")) {
      progress.accept("Processors: " + cores.described());
      RuntimeClient clientOfA = new RuntimeClient(a.url());
      RuntimeClient clientOfB = new RuntimeClient(b.url());
      Path jar = LookupJar.write(dir);
      Map<String, String> deployment =
          Map.of(DeploymentContext.TOPIC_RENAME_PREFIX + Topics.CUSTOMER_EVENTS.name(), input);
      try {
        progress.accept("Deploying " + CustomerLookups.NAME + " on runtimes a and b ...");
        // Reset on the first: a run before may have left the application's state behind.
        clientOfA.deploy(jar, deployment, 1, false, true);
        clientOfB.deploy(jar, deployment, 1, false, false);
        awaitSharedPartitions();
        List<String> keys = feed(input);
        List<String> local = new ArrayList<>();
        List<String> remote = new ArrayList<>();
        int answerBytes = classify(a.url(), keys, local, remote);
        progress.accept(
            String.format(
                "Runtime a owns %,d keys, b owns %,d; an answer is about %d bytes",
                local.size(), remote.size(), answerBytes));
        phase(
            new KeyLookups("query-warmup", a.url(), keys, settings.concurrency()),
            Math.max(1, settings.localRate() / 2),
            answerBytes,
            Duration.ZERO,
            settings.warmup());
        ServerTimes beforeLocal = ServerTimes.scrape(a.url());
        LoadTestResult localResult =
            phase(
                new KeyLookups("query-local", a.url(), local, settings.concurrency()),
                settings.localRate(),
                answerBytes,
                SETTLE,
                settings.duration());
        ServerTimes localServer = ServerTimes.scrape(a.url()).since(beforeLocal);
        LoadTestResult forwardedResult =
            phase(
                new KeyLookups("query-forwarded", a.url(), remote, settings.concurrency()),
                settings.forwardedRate(),
                answerBytes,
                SETTLE,
                settings.duration());
        return new Report(
            localResult,
            forwardedResult,
            local.size(),
            remote.size(),
            localServer,
            cores.described());
      } finally {
        // Leaving the group (which closing a runtime does not do, its members being static) lets
        // the group be deleted now, and the next run reset the application at once.
        clientOfA.undeploy(CustomerLookups.NAME);
        clientOfB.undeploy(CustomerLookups.NAME);
      }
    } finally {
      removeTopics(input);
      LocalState.delete(dir);
    }
  }

  private LookupRuntimeProcess start(Path dir, String instance) throws Exception {
    return LookupRuntimeProcess.start(
        instance,
        settings.bootstrapServers(),
        settings.registryUrl(),
        dir.resolve("state-" + instance),
        settings.runtimeJvmOptions());
  }

  /**
   * Waits until the application's group is stable with both runtimes holding partitions: before
   * that, one runtime may own every key, and keys may move while they are sorted.
   */
  private void awaitSharedPartitions() throws Exception {
    long deadline = System.nanoTime() + LOADED_TIMEOUT.toNanos();
    try (Admin admin = admin()) {
      while (true) {
        ConsumerGroupDescription group =
            admin
                .describeConsumerGroups(List.of(CustomerLookups.APPLICATION_ID))
                .all()
                .get(30, TimeUnit.SECONDS)
                .get(CustomerLookups.APPLICATION_ID);
        if (group.groupState() == GroupState.STABLE
            && group.members().size() == 2
            && group.members().stream()
                .noneMatch(member -> member.assignment().topicPartitions().isEmpty())) {
          return;
        }
        if (System.nanoTime() > deadline || stopped) {
          throw new LoadTestException(
              "The two runtimes did not share the input's partitions within "
                  + LOADED_TIMEOUT.toSeconds()
                  + " s (group "
                  + group.groupState()
                  + ", "
                  + group.members().size()
                  + " members)");
        }
        Thread.sleep(200);
      }
    }
  }

  private Admin admin() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    return Admin.create(props);
  }

  /** Sends one {@code CustomerCreated} per key; returns the keys. */
  private List<String> feed(String input) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    Serde<SpecificRecord> values = Topics.CUSTOMER_EVENTS.newValueSerde();
    values.configure(
        Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, settings.registryUrl()), false);
    List<String> keys = new ArrayList<>(settings.keys());
    progress.accept(String.format("Feeding %,d customers to %s ...", settings.keys(), input));
    try (KafkaProducer<String, SpecificRecord> producer =
        new KafkaProducer<>(props, new StringSerializer(), values.serializer())) {
      for (int i = 0; i < settings.keys(); i++) {
        UUID id = UUID.randomUUID();
        keys.add(id.toString());
        ProducerRecord<String, SpecificRecord> record =
            new ProducerRecord<>(input, id.toString(), customer(id, i));
        record
            .headers()
            .add(EventHeaders.ID, UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        producer.send(record);
      }
      producer.flush();
    }
    return keys;
  }

  private static CustomerCreated customer(UUID id, int index) {
    return CustomerCreated.newBuilder()
        .setCustomerId(id)
        .setName("Customer " + index)
        .setEmail("customer-" + index + "@example.org")
        .setCreditLimit(new BigDecimal("2500.00"))
        .setAddress(
            Address.newBuilder()
                .setStreet(index + " Harbour Street")
                .setCity("Portsmouth")
                .setPostalCode("PO1 3LJ")
                .setCountry("GB")
                .build())
        .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L + index))
        .build();
  }

  /**
   * Looks every key up once at {@code a}, waiting until the store holds it, and sorts it by the
   * instance that answered; returns the mean answer size in bytes.
   */
  private int classify(String urlOfA, List<String> keys, List<String> local, List<String> remote)
      throws IOException, InterruptedException, LoadTestException {
    RuntimeClient client = new RuntimeClient(urlOfA);
    String self = urlOfA.replaceFirst("^http://", "");
    long deadline = System.nanoTime() + LOADED_TIMEOUT.toNanos();
    long bytes = 0;
    for (String key : keys) {
      JsonNode answer = null;
      while (answer == null) {
        try {
          answer = client.get(CustomerLookups.STORE, key, false);
        } catch (RuntimeClient.RuntimeError e) {
          if (e.status() != 404 || System.nanoTime() > deadline || stopped) {
            throw new LoadTestException(
                "Key " + key + " of store " + CustomerLookups.STORE + ": " + e.getMessage(), e);
          }
          Thread.sleep(100);
        }
      }
      bytes += answer.toString().length();
      (self.equals(answer.path("host").asText()) ? local : remote).add(key);
      if ((local.size() + remote.size()) % 5_000 == 0) {
        progress.accept(
            String.format(
                "  %,d of %,d keys queryable", local.size() + remote.size(), keys.size()));
      }
    }
    if (local.isEmpty() || remote.isEmpty()) {
      throw new LoadTestException(
          "One runtime owns every key (a: "
              + local.size()
              + ", b: "
              + remote.size()
              + "): the input's partitions were not shared between them");
    }
    return (int) (bytes / keys.size());
  }

  private LoadTestResult phase(
      KeyLookups lookups, int rate, int answerBytes, Duration warmup, Duration duration)
      throws LoadTestException, InterruptedException {
    LoadTest test =
        new LoadTest(
            lookups,
            new LoadSettings(
                rate,
                Optional.of(duration),
                OptionalLong.empty(),
                answerBytes,
                warmup,
                LoadSettings.DEFAULT_TOPIC_PARTITIONS),
            progress);
    current.set(test);
    if (stopped) {
      test.stop();
    }
    LoadTestResult result = test.run();
    progress.accept(result.summaryLine());
    return result;
  }

  /** Deletes the input and the application's group, changelog and dead-letter topic. */
  private void removeTopics(String input) {
    try (Admin admin = admin()) {
      admin
          .deleteTopics(
              List.of(
                  input,
                  CustomerLookups.APPLICATION_ID + "-" + CustomerLookups.STORE + "-changelog",
                  Topics.deadLetters(CustomerLookups.APPLICATION_ID).name()))
          .all()
          .get(30, TimeUnit.SECONDS);
      admin
          .deleteConsumerGroups(List.of(CustomerLookups.APPLICATION_ID))
          .all()
          .get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      progress.accept("Could not remove what the run created: " + e.getMessage());
    }
  }
}
