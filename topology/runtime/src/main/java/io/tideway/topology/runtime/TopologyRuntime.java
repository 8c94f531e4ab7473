package io.tideway.topology.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tideway.topics.Topic;
import io.tideway.topics.Topics;
import io.tideway.topology.DeploymentContext;
import io.tideway.topology.ProcessingObserver;
import io.tideway.topology.RefusedResults;
import io.tideway.topology.SideEffects;
import io.tideway.topology.TopologyNaming;
import io.tideway.topology.TopologyProvider;
import io.tideway.topology.runtime.errors.ErrorCounts;
import io.tideway.topology.saga.SagaObserver;
import java.io.IOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.tools.StreamsResetter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs topology jars: each {@link TopologyProvider} in a jar becomes a deployment of Kafka Streams
 * clients with the platform's defaults — {@code exactly_once_v2}, explicitly named internal
 * resources, one state directory per application, static membership, records that fail to be read,
 * processed or written sent to {@code <applicationId>.dlq}, failed stream threads replaced. An HTTP
 * server ({@link RuntimeHttp}) serves deployments, interactive queries, health and metrics.
 *
 * <pre>{@code
 * try (TopologyRuntime runtime = TopologyRuntime.start(settings, meters)) {
 *   runtime.deploy(Path.of("projections.jar"), Map.of(), 1);
 * }
 * }</pre>
 */
public final class TopologyRuntime implements AutoCloseable {

  /**
   * The timer of key lookups, {@code tideway_query_lookups_seconds} in Prometheus: by the answer's
   * status, from the request's arrival to the answer's hand-off, with counts within 1, 5, 15, 50
   * and 250 ms and 1 s.
   */
  public static final String LOOKUP_METRIC = "tideway.query.lookups";

  private static final Logger logger = LoggerFactory.getLogger(TopologyRuntime.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  /** The least a replaying task waits for an input without data (Kafka's max.task.idle.ms). */
  private static final Duration REPLAY_TASK_IDLE = Duration.ofSeconds(2);

  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  private static final String REPLAY_OPERATIONS = "tideway.replay.operations";

  /** Between a provider's application id and a rebuild's generation number: {@code app-g2}. */
  static final String GENERATION = "-g";

  private final RuntimeSettings settings;
  private final PrometheusMeterRegistry meters;
  private final Admin admin;
  private final DeploymentLog log;
  private final DeploymentJournal journal;
  private final Map<String, Deployment> deployments = new LinkedHashMap<>();
  private final Map<String, Rebuild> rebuilds = new HashMap<>();

  /** What each deployment's latest rebuild has left to read: {@code tideway_rebuild_lag}. */
  private final Map<String, AtomicLong> rebuildLags = new ConcurrentHashMap<>();

  private final GroupOffsets offsets;

  /** What {@link SagaMeters} count in flight, kept across a deployment's versions. */
  private final Map<String, Map<String, Integer>> sagasInFlight = new ConcurrentHashMap<>();

  /**
   * What {@link #deployments} holds, for queries: read on every lookup without the lock that a
   * deploy holds for seconds. Replaced whenever {@link #deployments} changes.
   */
  private volatile List<Deployment> running = List.of();

  /**
   * Whether the deployments of the journal have been deployed again since the start. Until then the
   * HTTP server already answers, but what it does not find may be about to be deployed.
   */
  private volatile boolean resumed;

  private RuntimeHttp http;

  private TopologyRuntime(RuntimeSettings settings, PrometheusMeterRegistry meters) {
    this.settings = settings;
    this.meters = meters;
    this.admin = Admin.create(clientSettings());
    this.offsets = new GroupOffsets(admin, ADMIN_TIMEOUT);
    this.log = new DeploymentLog(clientSettings());
    this.journal = new DeploymentJournal(settings.stateDir());
  }

  /**
   * Starts a runtime and its HTTP server, and deploys again what it ran before it stopped (kept in
   * {@code <state dir>/deployments.json}); a deployment that can no longer be made is logged and
   * dropped.
   *
   * @throws java.io.UncheckedIOException when the HTTP port cannot be bound
   */
  public static TopologyRuntime start(RuntimeSettings settings, PrometheusMeterRegistry meters) {
    TopologyRuntime runtime = new TopologyRuntime(settings, meters);
    try {
      runtime.ensureTopics(Set.of(Topics.DEPLOYMENTS), Topic::name, "the topology runtime");
      runtime.http =
          RuntimeHttp.start(
              runtime, meters, settings.host(), settings.port(), settings.operatorToken());
    } catch (RuntimeException e) {
      runtime.admin.close();
      throw e;
    }
    logger.info("Topology runtime serving on {}", runtime.url());
    runtime.redeployJournal();
    runtime.resumed = true;
    return runtime;
  }

  private synchronized void redeployJournal() {
    Map<String, DeploymentJournal.Entry> entries = journal.entries();
    Set<String> jars = new TreeSet<>();
    entries.values().forEach(entry -> jars.add(entry.jar()));
    for (String jar : jars) {
      if (settings.notResumed(Path.of(jar))) {
        logger.info("Not running again what ran from {}, as this runtime was told", jar);
        continue;
      }
      DeploymentJournal.Entry entry =
          entries.values().stream().filter(e -> e.jar().equals(jar)).findFirst().orElseThrow();
      try {
        // Only what ran: a topology of the jar undeployed before must not act, even briefly.
        deploy(
            Path.of(jar),
            entry.settings(),
            entry.instances(),
            false,
            false,
            // Named in the journal as deployed from this jar: one since upgraded from another
            // jar must not start in its old version.
            name -> entries.containsKey(name) && entries.get(name).jar().equals(jar),
            name -> entries.get(name).unfinishedReset() != null);
        logger.info("Deployed again what ran from {}", jar);
      } catch (RuntimeException e) {
        logger.error(
            "Cannot deploy again all that ran from {}; dropped what did not start", jar, e);
        entries.forEach(
            (name, dropped) -> {
              if (dropped.jar().equals(jar) && !deployments.containsKey(name)) {
                journal.remove(name);
              }
            });
      }
    }
  }

  /** The base URL of the HTTP server, e.g. {@code http://127.0.0.1:8084}. */
  public String url() {
    return http.url();
  }

  /**
   * Deploys every topology of a jar, or none: all are built and checked before any starts. A
   * topology whose deployment name already runs replaces it (an upgrade): its stores and
   * repartition topics are compared with the version recorded in {@link Topics#DEPLOYMENTS}, and a
   * version that drops one is refused unless {@code reset}.
   *
   * @param jar the topology jar
   * @param deploymentSettings settings over the runtime's defaults: serde, Kafka Streams and
   *     topology settings
   * @param instances stream threads per topology in this runtime; more runtimes add more
   * @param dryRun only check the jar: build and check every topology, start none
   * @param reset start the applications from scratch: their committed offsets, internal topics and
   *     local state are deleted first, and they reprocess their inputs from the beginning
   * @return the new deployments; with {@code dryRun}, what would be deployed, in state {@code
   *     CHECKED}
   * @throws DeploymentException naming the jar and what is wrong with it
   */
  public synchronized List<DeploymentStatus> deploy(
      Path jar,
      Map<String, String> deploymentSettings,
      int instances,
      boolean dryRun,
      boolean reset) {
    return deploy(jar, deploymentSettings, instances, dryRun, reset, name -> true, name -> false);
  }

  /**
   * Deploys the topologies of a jar whose names are {@code wanted}; the others are not started.
   * Those {@code held} are deployed stopped, as a failed reset leaves them.
   */
  private List<DeploymentStatus> deploy(
      Path jar,
      Map<String, String> deploymentSettings,
      int instances,
      boolean dryRun,
      boolean reset,
      Predicate<String> wanted,
      Predicate<String> held) {
    if (instances < 1) {
      throw new DeploymentException("Instances must be at least 1, not " + instances);
    }
    Map<String, Object> merged = merged(deploymentSettings);
    TopologyJar opened = TopologyJar.open(jar);
    List<Deployment> built = new ArrayList<>();
    Map<String, TopologyShape> recorded;
    try {
      recorded = log.latest();
      buildAll(opened, merged, recorded.keySet(), built);
      built.removeIf(
          deployment -> {
            if (wanted.test(deployment.name())) {
              return false;
            }
            deployment.close(CLOSE_TIMEOUT, true);
            return true;
          });
      built.forEach(deployment -> refuseWhileRebuilding(deployment.name()));
      built.forEach(deployment -> checkStreamsConfig(deployment, merged, instances));
      if (reset) {
        // Deleting its internal topics under instances that still run would lose their state.
        built.forEach(deployment -> refuseWhileRunningElsewhere(deployment, "reset"));
      } else {
        built.stream()
            .map(Deployment::name)
            .filter(Predicate.not(held))
            .forEach(this::refuseOverUnfinishedReset);
        refuseBreakingChanges(jar, built, recorded);
      }
    } catch (RuntimeException e) {
      built.forEach(deployment -> deployment.close(CLOSE_TIMEOUT, true));
      opened.close();
      throw e;
    }
    if (dryRun) {
      List<DeploymentStatus> checked =
          built.stream().map(d -> status(d, "CHECKED", instances, recorded)).toList();
      built.forEach(deployment -> deployment.close(CLOSE_TIMEOUT, true));
      opened.close();
      return checked;
    }
    List<DeploymentStatus> started = new ArrayList<>();
    for (int i = 0; i < built.size(); i++) {
      Deployment deployment = built.get(i);
      if (held.test(deployment.name())) {
        holdStopped(deployment);
        started.add(status(deployment, deployment.state(), instances, recorded));
        continue;
      }
      try {
        start(
            deployment,
            merged,
            reset,
            recorded.get(deployment.applicationId()),
            new DeploymentJournal.Entry(
                jar.toAbsolutePath().toString(), Map.copyOf(deploymentSettings), instances));
      } catch (RuntimeException e) {
        // What started stays deployed; what was built after it is let go.
        built.subList(i, built.size()).forEach(d -> d.close(CLOSE_TIMEOUT, true));
        if (deployments.values().stream().noneMatch(d -> d.jar() == opened)) {
          opened.close();
        }
        throw e;
      }
      started.add(status(deployment, deployment.state(), instances, recorded));
    }
    return started;
  }

  /**
   * A deployment whose reset did not finish: its input offsets may have moved while its internal
   * topics or local state were not deleted, so it must not run until the reset is done.
   */
  private void refuseOverUnfinishedReset(String name) {
    DeploymentJournal.Entry entry = journal.entries().get(name);
    if (entry != null && entry.unfinishedReset() != null) {
      throw new DeploymentException(
          "A reset of "
              + name
              + " to "
              + entry.unfinishedReset()
              + " did not finish, so it would run on half-reset offsets and state: run the same"
              + " reset again, deploy with --reset to start it from scratch, or undeploy it");
    }
  }

  /** Lists a deployment, stopped: its queries answer 503 and the runtime is not ready. */
  private void holdStopped(Deployment deployment) {
    deployments.put(deployment.name(), deployment);
    running = List.copyOf(deployments.values());
    logger.warn(
        "{} is left stopped: a reset to {} did not finish before the runtime stopped. Run the same"
            + " reset again to finish it, deploy it with --reset, or undeploy it",
        deployment.name(),
        journal.entries().get(deployment.name()).unfinishedReset());
  }

  /** The cluster and the client settings for it, as every client the runtime makes gets them. */
  private Map<String, Object> clientSettings() {
    Map<String, Object> client = new HashMap<>(settings.kafkaClientSettings());
    client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    return client;
  }

  /** The client settings, the runtime's defaults, a deployment's settings, then the cluster. */
  private Map<String, Object> merged(Map<String, String> deploymentSettings) {
    Map<String, Object> merged = new HashMap<>(settings.kafkaClientSettings());
    merged.putAll(settings.deploymentDefaults());
    merged.putAll(deploymentSettings);
    merged.put("bootstrap.servers", settings.bootstrapServers());
    return merged;
  }

  /**
   * The application id a deployment of a provider runs under: the latest generation a rebuild made
   * of the provider's own, as {@link Topics#DEPLOYMENTS} records it for every runtime of the
   * cluster, kept across an undeploy, as its state lives there; else the provider's.
   *
   * @param recorded the application ids {@link Topics#DEPLOYMENTS} records
   */
  static String applicationIdOf(String base, Set<String> recorded) {
    Pattern generation = Pattern.compile(Pattern.quote(base + GENERATION) + "(\\d{1,9})");
    return recorded.stream()
        .map(generation::matcher)
        .filter(Matcher::matches)
        .max(Comparator.comparingInt(m -> Integer.parseInt(m.group(1))))
        .map(Matcher::group)
        .orElse(base);
  }

  /** Builds and checks each provider of a jar into {@code built}; throws at the first problem. */
  private void buildAll(
      TopologyJar jar, Map<String, Object> merged, Set<String> recorded, List<Deployment> built) {
    Set<String> names = new HashSet<>();
    Set<String> applicationIds = new HashSet<>();
    for (TopologyProvider provider : jar.providers()) {
      String where = jar.path().getFileName() + ": topology " + provider.getClass().getName();
      String name = checked(provider::name, where, "name");
      String applicationId =
          applicationIdOf(checked(provider::applicationId, where, "applicationId"), recorded);
      if (!names.add(name)) {
        throw new DeploymentException(where + ": another topology of the jar is named " + name);
      }
      if (!applicationIds.add(applicationId)
          || deployments.values().stream()
              .anyMatch(d -> d.applicationId().equals(applicationId) && !d.name().equals(name))) {
        throw new DeploymentException(
            where + ": application id " + applicationId + " is already deployed");
      }
      built.add(build(provider, jar, where, merged, applicationId));
    }
  }

  private static void refuseBreakingChanges(
      Path jar, List<Deployment> built, Map<String, TopologyShape> recorded) {
    List<String> refused = new ArrayList<>();
    for (Deployment deployment : built) {
      TopologyShape earlier = recorded.get(deployment.applicationId());
      List<String> breaking =
          earlier == null ? List.of() : shape(deployment).breakingChangesSince(earlier);
      if (!breaking.isEmpty()) {
        refused.add(
            deployment.name()
                + " (deployed before from "
                + earlier.jar()
                + "): "
                + String.join("; ", breaking));
      }
    }
    if (!refused.isEmpty()) {
      throw new DeploymentException(
          jar.getFileName()
              + " breaks what runs: "
              + String.join(" | ", refused)
              + ". Deploy with reset to start from scratch (state and offsets are deleted and"
              + " the inputs reprocessed).");
    }
  }

  /**
   * Stops the version this one replaces, resets if asked, starts it and records its shape and its
   * journal entry. A reset is journalled as unfinished until the new version runs, on the entry the
   * journal has (the replaced version's, which a failed start lists again): a runtime stopped or a
   * start failed half way must not leave an entry that starts over deleted state.
   */
  private void start(
      Deployment deployment,
      Map<String, Object> merged,
      boolean reset,
      TopologyShape earlier,
      DeploymentJournal.Entry entry) {
    Deployment previous = deployments.remove(deployment.name());
    try {
      if (previous != null) {
        // Staying in the group lets the new client take over the same static member at once;
        // a reset must leave, so the group can be deleted.
        previous.close(CLOSE_TIMEOUT, reset);
      }
      if (reset) {
        // The version the journal names, which a failed start lists again, is the one marked.
        DeploymentJournal.Entry journalled =
            journal.entries().getOrDefault(deployment.name(), entry);
        journal.put(deployment.name(), journalled.withUnfinishedReset("earliest"));
        resetApplication(deployment, earlier);
      }
      createTopics(deployment);
      deployment.start(config(deployment, merged, entry.instances()), meters, admin);
      deployments.put(deployment.name(), deployment);
      log.record(deployment.applicationId(), shape(deployment));
      journal.put(deployment.name(), entry);
    } catch (RuntimeException e) {
      if (deployments.remove(deployment.name(), deployment)) {
        deployment.close(CLOSE_TIMEOUT, true);
      }
      if (previous != null) {
        replaceFailed(previous, reset, e);
      }
      throw e;
    } finally {
      if (previous != null) {
        releaseJar(previous);
      }
      running = List.copyOf(deployments.values());
    }
    logger.info(
        "Deployed {} ({}) from {} with {} stream thread(s){}",
        deployment.name(),
        deployment.applicationId(),
        deployment.jar().path().getFileName(),
        entry.instances(),
        previous == null
            ? ""
            : ", replacing the version from " + previous.jar().path().getFileName());
  }

  /**
   * After an upgrade failed to start: starts the version it was to replace again, as the journal
   * still names it and its state and offsets are as it left them; after a reset, or when that fails
   * too, lists it stopped ({@code NOT_RUNNING}, the runtime not ready) until a deploy or an
   * undeploy, rather than let it vanish from the list while the journal keeps it.
   */
  private void replaceFailed(Deployment previous, boolean reset, RuntimeException failure) {
    if (reset || !startAgain(previous, failure)) {
      deployments.put(previous.name(), previous);
      logger.error(
          "The new version of {} did not start{}; it is left stopped: deploy it again{}, or"
              + " undeploy it",
          previous.name(),
          reset ? " after its reset" : ", nor did the version it was to replace",
          reset ? " with --reset" : "",
          failure);
    }
  }

  /** Starts the version an upgrade was to replace again; whether it started. */
  private boolean startAgain(Deployment previous, RuntimeException failure) {
    DeploymentJournal.Entry entry = journal.entries().get(previous.name());
    Map<String, Object> merged = merged(entry.settings());
    Deployment again = null;
    try {
      again =
          build(
              previous.provider(),
              previous.jar(),
              previous.jar().path().getFileName() + ": topology " + previous.name(),
              merged,
              previous.applicationId());
      again.start(config(again, merged, entry.instances()), meters, admin);
      deployments.put(previous.name(), again);
      logger.warn(
          "The new version of {} did not start; the version from {} runs again",
          previous.name(),
          previous.jar().path().getFileName());
      return true;
    } catch (RuntimeException alsoFailed) {
      failure.addSuppressed(alsoFailed);
      if (again != null) {
        again.close(CLOSE_TIMEOUT, false);
      }
      return false;
    }
  }

  /**
   * Makes the Kafka Streams client a deployment would start with, and closes it unstarted, before
   * an upgrade stops the running version: its settings are read as Kafka Streams reads them, and
   * its clients made, with the classes they name (interceptors, metric reporters) loaded from the
   * jar. A client that fails in its constructor leaves its state directory locked until the process
   * ends, so the trial has a state directory of its own, and its clients are closed whatever
   * happens ({@link TrialClients}).
   */
  private void checkStreamsConfig(
      Deployment deployment, Map<String, Object> merged, int instances) {
    ClassLoader previous = Thread.currentThread().getContextClassLoader();
    Thread.currentThread().setContextClassLoader(deployment.jar().loader());
    Path trialDir = null;
    String trialId = "tideway-check-" + UUID.randomUUID();
    try (TrialClients clients = new TrialClients()) {
      trialDir = Files.createTempDirectory(Files.createDirectories(settings.stateDir()), ".check-");
      Properties config = config(deployment, merged, instances);
      config.put(StreamsConfig.STATE_DIR_CONFIG, trialDir.toString());
      config.put(StreamsConfig.CLIENT_ID_CONFIG, trialId);
      new KafkaStreams(deployment.topology(), config, clients).close(CLOSE_TIMEOUT);
    } catch (IOException e) {
      throw new DeploymentException("Cannot make a directory to check a deployment in", e);
    } catch (RuntimeException e) {
      // A client that failed in its constructor never closes the metrics it registered in JMX,
      // which would keep it, and the jar's class loader, for good.
      unregisterMBeansOf(trialId);
      throw new DeploymentException(
          deployment.jar().path().getFileName()
              + ": topology "
              + deployment.name()
              + " has Kafka Streams settings it cannot start with: "
              + causes(e),
          e);
    } finally {
      Thread.currentThread().setContextClassLoader(previous);
      if (trialDir != null) {
        try {
          deleteRecursively(trialDir);
        } catch (IOException e) {
          logger.warn("Could not delete {}: {}", trialDir, e.toString());
        }
      }
    }
  }

  /** An exception's message and its causes', as a client's failure wraps the one that tells. */
  private static String causes(Throwable e) {
    StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      text.append(": ").append(cause.getMessage());
    }
    return text.toString();
  }

  /**
   * Replays a deployment's inputs from a time, as Kafka's {@code StreamsResetter} does it: the
   * deployment stops, its group's offsets on its input topics move to the first record at or after
   * {@code to}, its internal topics and local state are deleted, and it starts again.
   *
   * @param to where the inputs restart; null for the earliest records kept
   * @param dryRun only the plan: nothing stops and nothing changes
   * @throws DeploymentException for an unknown deployment, a time in the future, a rebuild under
   *     way, or instances of the application running elsewhere; nothing changed
   * @throws ResetFailedException when the reset failed part-way; the deployment is left stopped
   */
  public synchronized ResetPlan reset(String name, Instant to, boolean dryRun) {
    Deployment deployment = existing(name);
    if (to != null && to.isAfter(Instant.now())) {
      throw new DeploymentException(
          "Cannot reset " + name + " to " + to + ": that is in the future");
    }
    refuseWhileRebuilding(name);
    refuseWhileRunningElsewhere(deployment, "reset");
    String applicationId = deployment.applicationId();
    List<TopicPartition> partitions = offsets.partitions(inputTopics(deployment));
    Map<TopicPartition, Long> committed = offsets.committed(applicationId);
    Map<TopicPartition, Long> targets = offsets.at(partitions, to);
    List<ResetPlan.PartitionReset> moves =
        partitions.stream()
            .map(
                p ->
                    new ResetPlan.PartitionReset(
                        p.topic(), p.partition(), committed.get(p), targets.get(p)))
            .toList();
    Path stateDir = settings.stateDir().resolve(applicationId);
    Set<String> internalTopics = existing(shape(deployment).internalTopics(applicationId));
    ResetPlan plan =
        new ResetPlan(
            name,
            applicationId,
            to == null ? "earliest" : to.toString(),
            dryRun,
            moves,
            List.copyOf(internalTopics),
            stateDir.toString());
    if (dryRun) {
      return plan;
    }
    DeploymentJournal.Entry entry = journal.entries().get(name);
    try {
      restart(
          deployment,
          () -> {
            offsets.removeOwnMembers(applicationId, ownMemberPrefix(applicationId));
            // Kafka's reset tool refuses a group with members before it changes anything: an
            // instance that joined since the check above refuses the reset here, and this one
            // runs on, rather than stay stopped over a reset that never began.
            refuseWhileRunningElsewhere(deployment, "reset");
            journal.put(name, entry.withUnfinishedReset(plan.target()));
          },
          () -> {
            runStreamsResetter(applicationId, inputTopics(deployment), moves, internalTopics);
            try {
              deleteRecursively(stateDir);
            } catch (IOException e) {
              throw new DeploymentException("Cannot delete the local state in " + stateDir, e);
            }
          });
    } catch (NothingChanged refused) {
      throw refused.refusal();
    } catch (RuntimeException e) {
      replayed(name, "reset", "failed");
      throw new ResetFailedException(
          "The reset of "
              + name
              + " failed part-way: its input offsets may have moved while its internal topics or"
              + " local state were not deleted, so it is left stopped rather than run on that."
              + " Run the same reset again to finish it, or undeploy it. "
              + e.getMessage(),
          e);
    }
    journal.put(name, entry.withUnfinishedReset(null));
    replayed(name, "reset", "done");
    logger.info("Reset {} ({}) to {}: {}", name, applicationId, plan.target(), moves);
    return plan;
  }

  /** The topics a deployment reads that no part of it writes: its inputs, not its repartitions. */
  private static Set<String> inputTopics(Deployment deployment) {
    Set<String> inputs = new TreeSet<>();
    Set<String> written = new HashSet<>();
    for (TopologyDescription.Subtopology sub : deployment.topology().describe().subtopologies()) {
      for (TopologyDescription.Node node : sub.nodes()) {
        if (node instanceof TopologyDescription.Source source && source.topicSet() != null) {
          inputs.addAll(source.topicSet());
        } else if (node instanceof TopologyDescription.Sink sink && sink.topic() != null) {
          written.add(sink.topic());
        }
      }
    }
    inputs.removeAll(written);
    return inputs;
  }

  /** Those of the topics that exist. */
  private Set<String> existing(Set<String> topics) {
    try {
      Set<String> existing = new TreeSet<>(topics);
      existing.retainAll(
          admin.listTopics().names().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
      return existing;
    } catch (ExecutionException | TimeoutException e) {
      throw new DeploymentException("Cannot list the cluster's topics: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeploymentException("Interrupted listing topics", e);
    }
  }

  /**
   * Runs Kafka's reset tool with the plan's offsets as its reset file, so what it does is exactly
   * what the plan shows, naming the internal topics it deletes: left to itself it would delete
   * every internal topic whose name starts with the application id, another application's ({@code
   * orders-analytics} of {@code orders}) among them. With none to delete it would do just that, so
   * then the offsets are committed without it.
   */
  private void runStreamsResetter(
      String applicationId,
      Set<String> inputs,
      List<ResetPlan.PartitionReset> moves,
      Set<String> internalTopics) {
    if (internalTopics.isEmpty()) {
      Map<TopicPartition, Long> positions = new HashMap<>();
      moves.forEach(m -> positions.put(new TopicPartition(m.topic(), m.partition()), m.to()));
      offsets.commit(applicationId, positions);
      return;
    }
    Path plan = null;
    Path clientConfig = null;
    try {
      plan = Files.createTempFile("tideway-reset-", ".csv");
      StringBuilder csv = new StringBuilder();
      moves.forEach(
          m ->
              csv.append(m.topic())
                  .append(',')
                  .append(m.partition())
                  .append(',')
                  .append(m.to())
                  .append('\n'));
      Files.writeString(plan, csv);
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--bootstrap-server",
                  settings.bootstrapServers(),
                  "--application-id",
                  applicationId,
                  "--from-file",
                  plan.toString()));
      if (!inputs.isEmpty()) {
        args.add("--input-topics");
        args.add(String.join(",", inputs));
      }
      args.add("--internal-topics");
      args.add(String.join(",", internalTopics));
      if (!settings.kafkaClientSettings().isEmpty()) {
        // Readable by this user only (a temporary file's default): it may hold a password.
        clientConfig = Files.createTempFile("tideway-reset-", ".properties");
        Properties client = new Properties();
        client.putAll(settings.kafkaClientSettings());
        try (Writer out = Files.newBufferedWriter(clientConfig)) {
          client.store(out, null);
        }
        args.add("--config-file");
        args.add(clientConfig.toString());
      }
      int exit = new StreamsResetter().execute(args.toArray(String[]::new));
      if (exit != 0) {
        throw new DeploymentException(
            "Kafka's reset tool failed for " + applicationId + " (exit " + exit + "); see the log");
      }
    } catch (IOException e) {
      throw new DeploymentException("Cannot write the reset plan of " + applicationId, e);
    } finally {
      for (Path file : Arrays.asList(plan, clientConfig)) {
        if (file != null) {
          try {
            Files.deleteIfExists(file);
          } catch (IOException e) {
            logger.warn("Could not delete {}: {}", file, e.toString());
          }
        }
      }
    }
  }

  /**
   * Stops a deployment, leaving its group, checks with {@code beforeChange} that it may go on, does
   * {@code whileStopped}, and starts it again from its jar as the journal has it. When {@code
   * beforeChange} refuses, nothing changed: the deployment is as it was (started again, unless a
   * reset it had not finished held it stopped), and {@link NothingChanged} carries the refusal; a
   * deployment that then cannot start again is stopped, and says so. When {@code whileStopped}
   * fails it stays stopped: its queries answer 503 and the runtime is not ready until a deploy, a
   * reset or an undeploy.
   */
  private void restart(Deployment deployment, Runnable beforeChange, Runnable whileStopped) {
    String name = deployment.name();
    DeploymentJournal.Entry entry = journal.entries().get(name);
    Map<String, Object> merged = merged(entry.settings());
    Deployment fresh =
        build(
            deployment.provider(),
            deployment.jar(),
            deployment.jar().path().getFileName() + ": topology " + name,
            merged,
            deployment.applicationId());
    // Until it starts, the new one answers queries 503, not the old one's stores that go away.
    deployments.put(name, fresh);
    running = List.copyOf(deployments.values());
    deployment.close(CLOSE_TIMEOUT, true);
    try {
      beforeChange.run();
    } catch (RuntimeException refused) {
      // As it was: running, or stopped over a reset that did not finish.
      if (entry.unfinishedReset() == null) {
        try {
          fresh.start(config(fresh, merged, entry.instances()), meters, admin);
        } catch (RuntimeException alsoFailed) {
          alsoFailed.addSuppressed(refused);
          throw new DeploymentException(
              refused.getMessage()
                  + "; and "
                  + name
                  + " could not start again, so it is stopped: "
                  + alsoFailed.getMessage(),
              alsoFailed);
        }
      }
      throw new NothingChanged(refused);
    }
    whileStopped.run();
    createTopics(fresh);
    fresh.start(config(fresh, merged, entry.instances()), meters, admin);
  }

  /** A change refused before anything changed: {@link #getCause()} says why. */
  private static final class NothingChanged extends RuntimeException {
    NothingChanged(RuntimeException refusal) {
      super(refusal);
    }

    RuntimeException refusal() {
      return (RuntimeException) getCause();
    }
  }

  /**
   * Rebuilds a deployment without downtime: the same topology runs under a new application id (a
   * generation, {@code <application id>-g<n>}) from the beginning of its inputs, with its side
   * effects held back ({@link SideEffects}); once it has caught up it takes over queries at once,
   * and the old application is retired. The old one answers queries until then.
   *
   * <p>A deployment that runs sagas, or one whose inputs retention has cut short, is rebuilt only
   * when the {@link RebuildRisk} is allowed.
   *
   * @param dryRun only say what would be replayed, in phase {@code PLANNED}, and what risks it
   *     runs: nothing starts
   * @param allowed the risks to rebuild at all the same
   * @return the rebuild as it starts; {@link #rebuildStatus} follows it
   * @throws DeploymentException for an unknown deployment, a rebuild already under way, a reset
   *     that did not finish, or a risk not allowed
   */
  public synchronized RebuildStatus rebuild(String name, boolean dryRun, Set<RebuildRisk> allowed) {
    Deployment current = existing(name);
    refuseWhileRebuilding(name);
    refuseOverUnfinishedReset(name);
    refuseWhileRunningElsewhere(current, "rebuild");
    List<String> sagaStores =
        current.stores().stream().filter(SagaQueries::isInstanceStore).sorted().toList();
    String sagaRisk =
        sagaStores.isEmpty()
            ? ""
            : name
                + " runs sagas ("
                + String.join(", ", sagaStores)
                + "): a rebuild decides them again from the log, where replies that came through a"
                + " repartition topic are not replayed in time order, so a rebuilt saga may end"
                + " otherwise than it did and act on that once live";
    if (!dryRun && !allowed.contains(RebuildRisk.SAGAS) && !sagaStores.isEmpty()) {
      throw new DeploymentException(
          sagaRisk
              + ". To rebuild it all the same, allow sagas ('tideway replay rebuild --allow-sagas',"
              + " or sagas=true)");
    }
    List<TopicPartition> inputPartitions = offsets.partitions(inputTopics(current));
    // From each partition's first record kept: retention may have removed those before it.
    Map<TopicPartition, Long> starts = offsets.at(inputPartitions, null);
    String truncated =
        starts.entrySet().stream()
            .filter(start -> start.getValue() > 0)
            .map(start -> start.getKey() + " from offset " + start.getValue())
            .sorted()
            .collect(Collectors.joining(", "));
    String truncationRisk =
        truncated.isEmpty()
            ? ""
            : "the first records of "
                + name
                + "'s inputs are gone (retention or a deletion removed them; kept: "
                + truncated
                + "): a rebuild replays only what is kept, and the read models it builds, which"
                + " then replace the current ones, lack what the removed records made";
    if (!dryRun && !allowed.contains(RebuildRisk.TRUNCATED_INPUTS) && !truncated.isEmpty()) {
      throw new DeploymentException(
          "Not rebuilding "
              + name
              + ": "
              + truncationRisk
              + ". To rebuild from what is kept all the same, allow it ('tideway replay rebuild"
              + " --allow-truncated-inputs', or truncatedInputs=true)");
    }
    String next = nextGeneration(current);
    if (dryRun) {
      Map<TopicPartition, Long> ends = offsets.ends(inputPartitions);
      List<RebuildStatus.PartitionProgress> replayed =
          inputPartitions.stream()
              .map(
                  p ->
                      new RebuildStatus.PartitionProgress(
                          p.topic(), p.partition(), starts.get(p), ends.get(p)))
              .sorted(
                  Comparator.comparing(RebuildStatus.PartitionProgress::topic)
                      .thenComparingInt(RebuildStatus.PartitionProgress::partition))
              .toList();
      return new RebuildStatus(
          name,
          current.applicationId(),
          next,
          "PLANNED",
          Instant.now().toString(),
          replayed.stream().mapToLong(p -> p.end() - p.committed()).sum(),
          replayed,
          "would replay "
              + inputTopics(current)
              + " from the beginning; nothing started"
              + (sagaRisk.isEmpty() ? "" : ". " + sagaRisk)
              + (truncationRisk.isEmpty() ? "" : ". " + truncationRisk));
    }
    DeploymentJournal.Entry entry = journal.entries().get(name);
    Rebuild.Gate gate = new Rebuild.Gate(false);
    Map<String, Object> merged = merged(entry.settings());
    Map<String, Object> shadowSettings = new HashMap<>(merged);
    shadowSettings.put(SideEffects.CONFIG, gate);
    Deployment shadow =
        build(
            current.provider(),
            current.jar(),
            current.jar().path().getFileName() + ": topology " + name,
            shadowSettings,
            next);
    // Whatever an abandoned rebuild under the same id left behind must not be resumed.
    resetApplication(shadow, null);
    createTopics(shadow);
    // From the start of every input whatever the deployment's offset reset policy, and with an
    // offset committed for each input partition: one whose records retention removed is never read
    // from, so Streams would commit none there, and the rebuild would never look caught up.
    offsets.commit(shadow.applicationId(), offsets.at(inputPartitions, null));
    // Replaying, a task waits for data on every input, repartition topics included, so it takes
    // records in time order across them, as they were processed when they happened; live, that
    // wait would only add latency.
    Map<String, Object> replaying = new HashMap<>(merged);
    replaying.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, replayTaskIdle(merged));
    shadow.start(config(shadow, replaying, entry.instances()), meters, admin);
    Runnable goLive =
        () ->
            shadow.restart(CLOSE_TIMEOUT, config(shadow, merged, entry.instances()), meters, admin);
    Rebuild rebuild =
        new Rebuild(
            this,
            offsets,
            current,
            shadow,
            inputTopics(current),
            shape(current).repartitionTopics(),
            gate,
            goLive,
            commitInterval(merged),
            rebuildLags.computeIfAbsent(
                name,
                deployment ->
                    meters.gauge(
                        "tideway.rebuild.lag",
                        Tags.of("deployment", deployment),
                        new AtomicLong())),
            outcome -> replayed(name, "rebuild", outcome));
    rebuilds.put(name, rebuild);
    rebuild.start();
    logger.info("Rebuilding {} as {} from the beginning of {}", name, next, inputTopics(current));
    return rebuild.status();
  }

  /** Counts a replay operation that ended: {@code tideway_replay_operations_total}. */
  private void replayed(String deployment, String operation, String outcome) {
    Counter.builder(REPLAY_OPERATIONS)
        .description("Resets and rebuilds of deployments that ended, by outcome")
        .tags("deployment", deployment, "operation", operation, "outcome", outcome)
        .register(meters)
        .increment();
  }

  /** The latest rebuild of a deployment, under way or ended. */
  public synchronized Optional<RebuildStatus> rebuildStatus(String name) {
    return Optional.ofNullable(rebuilds.get(name)).map(Rebuild::status);
  }

  /**
   * Records the new application id, then routes a deployment's queries to its rebuild in one step;
   * the old deployment is then the rebuild's to retire.
   *
   * @throws Rebuild.GenerationInDoubt when the record failed, may have been written all the same,
   *     and could not be taken back
   */
  synchronized void switchTo(Deployment old, Deployment rebuilt) {
    if (deployments.get(old.name()) != old) {
      throw new DeploymentException(old.name() + " changed while it was rebuilt");
    }
    // An instance of the old application started elsewhere meanwhile would go on with it, its
    // internal topics deleted under it.
    refuseWhileRunningElsewhere(old, "switch to the rebuild of");
    recordGeneration(rebuilt);
    deployments.put(old.name(), rebuilt);
    running = List.copyOf(deployments.values());
    old.gate().close();
  }

  /**
   * Records a rebuild's application id in {@link Topics#DEPLOYMENTS} before it serves: every
   * runtime deploys the latest generation recorded, so one that runs the deployment later, this one
   * restarted included, must not start the old application again. A record that failed may have
   * been written all the same; it is taken back, as the rebuild is about to be deleted and would
   * otherwise be deployed from scratch.
   */
  private void recordGeneration(Deployment rebuilt) {
    try {
      log.record(rebuilt.applicationId(), shape(rebuilt));
    } catch (RuntimeException failed) {
      try {
        log.forget(rebuilt.applicationId());
      } catch (RuntimeException alsoFailed) {
        failed.addSuppressed(alsoFailed);
        throw new Rebuild.GenerationInDoubt(rebuilt.applicationId(), failed);
      }
      throw failed;
    }
  }

  /**
   * Stops a rebuild that may be recorded as its deployment's application, and keeps its group,
   * internal topics and local state for a deploy to resume.
   */
  void shelve(Deployment rebuild) {
    rebuild.close(CLOSE_TIMEOUT, true);
  }

  /**
   * Stops a deployment that no longer serves (the old generation after a switch, or an abandoned
   * rebuild) and deletes its group, internal topics and local state. Not under the runtime's lock:
   * it touches no deployment that serves, and closing takes seconds that health checks must not
   * wait.
   */
  void retire(Deployment deployment) {
    deployment.close(CLOSE_TIMEOUT, true);
    resetApplication(deployment, null);
  }

  /**
   * The commit interval a deployment runs with: set, or Kafka Streams' default for its guarantee.
   */
  private static long commitInterval(Map<String, Object> merged) {
    Object interval = merged.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG);
    if (interval != null) {
      return Long.parseLong(interval.toString());
    }
    return exactlyOnce(merged) ? 100 : 30_000;
  }

  /**
   * How long a task of a rebuild waits, while it replays, for an input without data ({@code
   * max.task.idle.ms}, unless the deployment's settings set it): long enough for what its
   * repartition topics are about to receive, which under exactly-once is read only once the
   * transaction that wrote it commits, a commit interval later.
   *
   * @param merged the deployment's settings
   */
  public static long replayTaskIdle(Map<String, Object> merged) {
    return REPLAY_TASK_IDLE.toMillis() + (exactlyOnce(merged) ? commitInterval(merged) : 0);
  }

  private static boolean exactlyOnce(Map<String, Object> merged) {
    Object guarantee = merged.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
    return guarantee == null || StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee.toString());
  }

  private String nextGeneration(Deployment deployment) {
    String base = deployment.baseApplicationId();
    String current = deployment.applicationId();
    int generation =
        current.equals(base)
            ? 1
            : Integer.parseInt(current.substring(base.length() + GENERATION.length()));
    return base + GENERATION + (generation + 1);
  }

  /** Replays run in one runtime: other instances of the application would go on unaware. */
  private void refuseWhileRunningElsewhere(Deployment deployment, String what) {
    String applicationId = deployment.applicationId();
    Set<String> elsewhere = offsets.membersElsewhere(applicationId, ownMemberPrefix(applicationId));
    if (!elsewhere.isEmpty()) {
      throw new DeploymentException(
          "Cannot "
              + what
              + " "
              + deployment.name()
              + ": instances of "
              + applicationId
              + " still run elsewhere "
              + elsewhere
              + "; undeploy it there first");
    }
  }

  /** How the group instance ids of this runtime's members of an application start. */
  private String ownMemberPrefix(String applicationId) {
    return applicationId + "-" + instanceName() + "-";
  }

  private void refuseWhileRebuilding(String name) {
    Rebuild rebuild = rebuilds.get(name);
    if (rebuild != null && !rebuild.ended()) {
      throw new DeploymentException(
          name + " is being rebuilt (" + rebuild.status().phase() + "); wait until it ends");
    }
  }

  private Deployment existing(String name) {
    Deployment deployment = deployments.get(name);
    if (deployment == null) {
      throw new NoSuchDeploymentException(name);
    }
    return deployment;
  }

  /**
   * Stops a deployment: its instances commit, close and leave the group; its state stays on disk
   * for the next deployment of the same application.
   *
   * @return the deployment as it was, or empty when none has that name
   */
  public synchronized Optional<DeploymentStatus> undeploy(String name) {
    refuseWhileRebuilding(name);
    Deployment deployment = deployments.remove(name);
    if (deployment == null) {
      return Optional.empty();
    }
    running = List.copyOf(deployments.values());
    DeploymentStatus last = status(deployment);
    journal.remove(name);
    deployment.close(CLOSE_TIMEOUT, true);
    releaseJar(deployment);
    removeMeters(name);
    logger.info("Undeployed {}", name);
    return Optional.of(last);
  }

  /**
   * Ends the series of an undeployed deployment, which would otherwise be scraped with their last
   * values for as long as the runtime runs; the count of its resets and rebuilds stays, as a record
   * of what operators did.
   */
  private void removeMeters(String name) {
    rebuildLags.remove(name);
    sagasInFlight.keySet().removeIf(key -> key.startsWith(name + "/"));
    for (Meter meter : List.copyOf(meters.getMeters())) {
      if (name.equals(meter.getId().getTag("deployment"))
          && !meter.getId().getName().equals(REPLAY_OPERATIONS)) {
        meters.remove(meter);
      }
    }
  }

  /**
   * Keeps an uploaded jar under {@code <state dir>/jars}, named by its content, for as long as
   * deployments may load classes from it.
   *
   * @param fileName the jar's file name as uploaded, or null
   */
  Path keepJar(String fileName, byte[] bytes) throws IOException {
    String base = fileName == null ? "topology.jar" : Path.of(fileName).getFileName().toString();
    String digest;
    try {
      digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
    Path dir = Files.createDirectories(settings.stateDir().resolve("jars"));
    Path jar = dir.resolve(digest.substring(0, 16) + "-" + base);
    if (!Files.exists(jar)) {
      Path partial = Files.createTempFile(dir, "upload-", ".partial");
      Files.write(partial, bytes);
      Files.move(partial, jar, StandardCopyOption.ATOMIC_MOVE);
    }
    return jar;
  }

  /** Every deployment, in the order deployed. */
  public synchronized List<DeploymentStatus> deployments() {
    return deployments.values().stream().map(TopologyRuntime::status).toList();
  }

  /**
   * Whether every deployment runs; true with none, but not before what ran before the start has
   * been deployed again.
   */
  public boolean ready() {
    if (!resumed) {
      return false; // without waiting for the lock, which the redeploy holds
    }
    // From the list queries read, not under the lock that a deploy holds for seconds.
    return running.stream().allMatch(d -> d.state().equals("RUNNING"));
  }

  /** Whether the runtime is still deploying again what it ran before it stopped. */
  boolean resuming() {
    return !resumed;
  }

  /** Closes a stopped deployment's jar unless another deployment still loads from it. */
  private void releaseJar(Deployment stopped) {
    if (deployments.values().stream().noneMatch(d -> d.jar() == stopped.jar())) {
      stopped.jar().close();
    }
  }

  /**
   * Deletes what an application kept, so it starts over: its consumer group (committed offsets),
   * its changelog and repartition topics, and its local state.
   */
  private void resetApplication(Deployment deployment, TopologyShape earlier) {
    String applicationId = deployment.applicationId();
    Set<String> candidates = new TreeSet<>(shape(deployment).internalTopics(applicationId));
    if (earlier != null) {
      candidates.addAll(earlier.internalTopics(applicationId));
    }
    Set<String> internal = existing(candidates);
    try {
      if (!internal.isEmpty()) {
        admin.deleteTopics(internal).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
      offsets.removeOwnMembers(applicationId, ownMemberPrefix(applicationId));
      try {
        admin
            .deleteConsumerGroups(List.of(applicationId))
            .all()
            .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof GroupIdNotFoundException)) {
          throw e;
        }
      }
      deleteRecursively(settings.stateDir().resolve(applicationId));
    } catch (ExecutionException | TimeoutException | IOException e) {
      throw new DeploymentException(
          deployment.name() + ": could not reset application " + applicationId + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeploymentException("Interrupted resetting " + applicationId, e);
    }
    logger.info("Reset {}: deleted its group, topics {} and local state", applicationId, internal);
  }

  /** Deletes a directory and all it holds; one already gone is no error. */
  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  private static TopologyShape shape(Deployment deployment) {
    return TopologyShape.of(
        deployment.name(),
        deployment.jar().path().getFileName().toString(),
        deployment.topology(),
        deployment.storeKinds());
  }

  /** The deployments, without waiting for a deploy or undeploy under way. */
  List<Deployment> running() {
    return running;
  }

  /**
   * Stops the HTTP server, letting the requests under way finish (for up to {@link
   * RuntimeHttp#STOP_TIMEOUT}, while the stores still answer), then every deployment; they stay in
   * their groups, so a restart within the session timeout moves no partition, and in the journal,
   * so the next start runs them again.
   */
  @Override
  public synchronized void close() {
    rebuilds.values().stream().filter(rebuild -> !rebuild.ended()).forEach(Rebuild::abandon);
    if (http != null) {
      http.close();
      http = null;
    }
    deployments.values().forEach(deployment -> deployment.close(CLOSE_TIMEOUT, false));
    // Only then: a deployment closing may still load classes from a jar another one came from.
    deployments.values().stream().map(Deployment::jar).distinct().forEach(TopologyJar::close);
    deployments.clear();
    running = List.of();
    admin.close(ADMIN_TIMEOUT);
  }

  private Deployment build(
      TopologyProvider provider,
      TopologyJar jar,
      String where,
      Map<String, Object> merged,
      String applicationId) {
    Rebuild.Gate live =
        merged.get(SideEffects.CONFIG) instanceof Rebuild.Gate rebuilding
            ? rebuilding
            : new Rebuild.Gate(true);
    ProcessedEvents processed = new ProcessedEvents(provider.name(), meters, live);
    Map<String, Object> observed = new HashMap<>(merged);
    observed.put(SideEffects.CONFIG, live);
    observed.put(ProcessingObserver.CONFIG, processed);
    observed.put(RefusedResults.CONFIG, new RefusedResults());
    observed.put(SagaObserver.CONFIG, new SagaMeters(provider.name(), meters, live, sagasInFlight));
    DeploymentContext context = DeploymentContext.of(provider.applicationId(), observed);
    Topology topology;
    ClassLoader previous = Thread.currentThread().getContextClassLoader();
    Thread.currentThread().setContextClassLoader(jar.loader());
    try {
      topology = provider.build(context);
    } catch (RuntimeException | LinkageError e) {
      context.close();
      throw new DeploymentException(where + " failed to build: " + e, e);
    } finally {
      Thread.currentThread().setContextClassLoader(previous);
    }
    if (topology == null) {
      context.close();
      throw new DeploymentException(where + " built no topology (null)");
    }
    Set<String> generated = TopologyNaming.generatedNames(topology);
    if (!generated.isEmpty()) {
      context.close();
      throw new DeploymentException(
          where
              + " leaves stores or internal topics to generated names, which change with the"
              + " topology and lose their state: "
              + generated
              + "; name them with Materialized.as, Grouped.as, Repartitioned.as, ...");
    }
    return new Deployment(
        provider,
        applicationId,
        jar,
        context,
        topology,
        StoreKinds.of(provider, merged, jar.loader(), settings.stateDir()),
        processed,
        live);
  }

  /** This runtime's name in its groups' static member ids. */
  private String instanceName() {
    return settings.instanceName() != null
        ? settings.instanceName()
        : settings.host() + "-" + http.port();
  }

  private Properties config(Deployment deployment, Map<String, Object> merged, int threads) {
    ErrorCounts counts =
        new ErrorCounts() {
          @Override
          public void deadLettered(String stage) {
            count(
                "tideway.topology.dead.letters",
                "Records sent to the application's dead-letter topic",
                stage);
          }

          @Override
          public void registryOutage(String stage) {
            count(
                "tideway.topology.registry.outages",
                "Stream threads failed, to read their record again, as the registry could not serve",
                stage);
          }

          private void count(String name, String description, String stage) {
            Counter.builder(name)
                .description(description)
                .tags("deployment", deployment.name(), "stage", stage)
                .register(meters)
                .increment();
          }
        };
    // The error handlers write no dead letters while a rebuild replays history.
    Map<String, Object> gated = new HashMap<>(merged);
    gated.put(SideEffects.CONFIG, deployment.gate());
    gated.put(
        RefusedResults.CONFIG,
        deployment.context().extension(RefusedResults.CONFIG, RefusedResults.class));
    gated.put(ProcessingObserver.CONFIG, deployment.processed());
    return Deployment.streamsConfig(
        settings,
        instanceName(),
        settings.host() + ":" + http.port(),
        deployment.applicationId(),
        Topics.deadLetters(deployment.baseApplicationId()).name(),
        gated,
        counts,
        threads);
  }

  /**
   * Creates the dead-letter topic and any catalogue topic the provider reads or writes, under the
   * name the deployment gives it.
   */
  private void createTopics(Deployment deployment) {
    Set<Topic<?, ?>> topics = new LinkedHashSet<>();
    topics.add(Topics.deadLetters(deployment.baseApplicationId()));
    topics.addAll(deployment.provider().inputs());
    topics.addAll(deployment.provider().outputs());
    ensureTopics(topics, deployment.context()::topicName, deployment.name());
  }

  /** Unregisters the MBeans whose names carry a client id. */
  private static void unregisterMBeansOf(String clientId) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    for (ObjectName name : server.queryNames(null, null)) {
      if (name.getKeyPropertyListString().contains(clientId)) {
        try {
          server.unregisterMBean(name);
        } catch (JMException e) {
          logger.debug("Could not unregister {}", name, e);
        }
      }
    }
  }

  /** Creates the topics that do not exist yet. */
  private void ensureTopics(
      Set<Topic<?, ?>> topics, Function<Topic<?, ?>, String> names, String forWhom) {
    List<NewTopic> wanted =
        topics.stream()
            .map(
                topic ->
                    new NewTopic(
                            names.apply(topic),
                            Optional.of(topic.partitions()),
                            settings.replicationFactor() == -1
                                ? Optional.empty()
                                : Optional.of(settings.replicationFactor()))
                        .configs(topic.settings()))
            .toList();
    admin
        .createTopics(wanted)
        .values()
        .forEach(
            (name, future) -> {
              try {
                future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
              } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                  throw new DeploymentException(
                      forWhom + ": cannot create topic " + name + ": " + e.getCause(),
                      e.getCause());
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeploymentException("Interrupted creating topic " + name, e);
              } catch (TimeoutException e) {
                throw new DeploymentException(
                    forWhom + ": the cluster did not create topic " + name + " in time", e);
              }
            });
  }

  private static DeploymentStatus status(Deployment deployment) {
    return status(deployment, deployment.state(), deployment.threads(), Map.of());
  }

  private static DeploymentStatus status(
      Deployment deployment, String state, int instances, Map<String, TopologyShape> recorded) {
    TopologyShape earlier = recorded.get(deployment.applicationId());
    return new DeploymentStatus(
        deployment.name(),
        deployment.applicationId(),
        state,
        instances,
        deployment.lag(),
        deployment.jar().path().getFileName().toString(),
        List.copyOf(deployment.stores()),
        earlier == null ? List.of() : shape(deployment).additionsSince(earlier),
        earlier == null ? List.of() : shape(deployment).breakingChangesSince(earlier));
  }

  static Set<String> stores(Topology topology) {
    Set<String> stores = new TreeSet<>();
    for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
      for (TopologyDescription.Node node : sub.nodes()) {
        if (node instanceof TopologyDescription.Processor) {
          stores.addAll(((TopologyDescription.Processor) node).stores());
        }
      }
    }
    return stores;
  }

  private static String checked(Supplier<String> value, String where, String what) {
    String result;
    try {
      result = value.get();
    } catch (RuntimeException e) {
      throw new DeploymentException(where + " threw from " + what + "(): " + e, e);
    }
    if (result == null || result.isBlank()) {
      throw new DeploymentException(where + " returns no " + what + "()");
    }
    return result;
  }
}
