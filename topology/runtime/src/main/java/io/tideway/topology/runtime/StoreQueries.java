package io.tideway.topology.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideway.topology.AvroJson;
import io.tideway.topology.history.AggregateHistory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.KafkaThread;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers key lookups in the stores of a runtime's deployments: locally when this runtime hosts the
 * key's partition, else forwarded to the instance that does; {@code 503} with {@code Retry-After}
 * while the key's owner is not known or not ready, never an answer that may be wrong.
 */
final class StoreQueries implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(StoreQueries.class);

  /** Marks a forwarded request, so it is never forwarded again. */
  static final String FORWARDED = "forwarded";

  /**
   * With {@code local}, asks a scan of this instance's partitions only, as instances ask each
   * other.
   */
  static final String SCOPE = "scope";

  private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(5);
  private static final StringSerializer KEYS = new StringSerializer();

  private final TopologyRuntime runtime;
  private final HostInfo self;
  private final ObjectMapper json;
  private final AvroJson values;
  private final Peers peers = new Peers();

  /**
   * Lookups that wait for an event on another instance, at most, at a time: half the connections
   * kept per instance, as each holds one to its owner for as long as it waits, and were they all
   * waits on one owner, the lookups and scan parts forwarded to it would find no connection left.
   */
  static final int MAX_FORWARDED_WAITS = Peers.CONNECTIONS_PER_PEER / 2;

  /** Threads for lookups forwarded to wait on another instance: made as needed, and let go. */
  private final ThreadPoolExecutor forwardedWaits =
      new ThreadPoolExecutor(
          0,
          MAX_FORWARDED_WAITS,
          30,
          TimeUnit.SECONDS,
          new SynchronousQueue<>(),
          runnable -> KafkaThread.daemon("tideway-query-forwarded-wait", runnable));

  /** Other instances asked for their part of scan pages at a time, at most. */
  static final int MAX_PEER_SCANS = 32;

  /**
   * Threads that ask other instances for their part of a scan page, made as needed and let go; when
   * all are busy (or the server stops), the thread that answers the scan asks itself.
   */
  private final ThreadPoolExecutor peerScans =
      new ThreadPoolExecutor(
          0,
          MAX_PEER_SCANS,
          30,
          TimeUnit.SECONDS,
          new SynchronousQueue<>(),
          runnable -> KafkaThread.daemon("tideway-query-peer-scan", runnable));

  StoreQueries(TopologyRuntime runtime, HostInfo self, ObjectMapper json) {
    this.runtime = runtime;
    this.self = self;
    this.json = json;
    this.values = new AvroJson(json);
  }

  /** An HTTP answer: status, JSON body, and seconds to wait before retrying (503 only). */
  record Answer(int status, String body, int retryAfter) {

    /** An answer whose body is {@code {"error": message}}. */
    static Answer error(int status, String message) {
      return new Answer(
          status, JsonNodeFactory.instance.objectNode().put("error", message).toString(), 0);
    }
  }

  /** The stores of every deployment, as a JSON array. */
  String stores() throws IOException {
    var array = json.createArrayNode();
    for (Deployment deployment : runtime.running()) {
      for (String store : deployment.stores()) {
        array
            .addObject()
            .put("store", store)
            .put("deployment", deployment.name())
            .put("applicationId", deployment.applicationId());
      }
    }
    return json.writeValueAsString(array);
  }

  /** Longest a query may wait for an event. */
  static final Duration MAX_WAIT = Duration.ofSeconds(30);

  /** How long a waiting query waits on one deployment before it looks for the store again. */
  private static final Duration WAIT_SLICE = Duration.ofMillis(200);

  /** How long a query waits for an event unless it says. */
  static final Duration DEFAULT_WAIT = Duration.ofSeconds(2);

  /**
   * Looks a key up, on this thread unless it must wait.
   *
   * @param allowStale answer from a standby or a restoring copy, marked {@code "stale":true}, when
   *     the active owner cannot answer
   * @param forwarded whether another instance forwarded this request
   * @param waitFor an event id: answer only once the sub-topology writing the store has processed
   *     it, or null
   * @param timeout how long to wait for it, from {@code arrived}; {@code 504} after
   * @param arrived when the request arrived ({@link System#nanoTime})
   * @param later runs the lookup once the event awaited is processed (no thread waits meanwhile);
   *     given, this thread may block on a forward to the instance that owns the key (one that waits
   *     for an event there runs on a thread of its own); null when nothing may wait
   * @return the answer, or null when it needs waiting and {@code later} is null
   */
  CompletableFuture<Answer> lookup(
      String store,
      KeyLookup lookup,
      boolean allowStale,
      boolean forwarded,
      String waitFor,
      Duration timeout,
      long arrived,
      Executor later)
      throws IOException {
    Optional<Deployment> owner = owner(store);
    if (owner.isEmpty()) {
      // Forwarded here on metadata older than this instance's undeploy or stop: not a 404.
      return done(
          forwarded
              ? unavailable(store, "this instance no longer runs it (rebalancing)")
              : absent("No store named " + store));
    }
    String key = lookup.key();
    Deployment deployment = owner.get();
    if (waitFor != null && !deployment.processed().canWaitOn(deployment.feed(store))) {
      return done(
          Answer.error(
              400,
              "A query of store "
                  + store
                  + " cannot wait for an event: what writes it does not report the events it"
                  + " processes (a global store, or a topology not built with"
                  + " TopologyContext.streamsBuilder())"));
    }
    if (lookup.asOf() != null) {
      Answer refused = refusedTime(deployment, store, lookup.asOf());
      if (refused != null) {
        return done(refused);
      }
    }
    KafkaStreams streams = deployment.streams();
    if (streams == null) {
      return done(unavailable(store, "its deployment is stopping"));
    }
    KeyQueryMetadata metadata;
    try {
      metadata =
          streams.queryMetadataForKey(store, AggregateHistory.partitionKey(store, key), KEYS);
    } catch (RuntimeException e) {
      return done(unavailable(store, "its deployment is not running: " + e.getMessage()));
    }
    if (metadata == null
        || metadata == KeyQueryMetadata.NOT_AVAILABLE
        || metadata.activeHost().port() < 0) {
      // A stale value cannot show a write awaited: only the owner can wait for it.
      if (!allowStale || waitFor != null) {
        return done(
            unavailable(store, "the owner of key " + key + " is not known yet (rebalancing)"));
      }
      int known =
          metadata == null || metadata == KeyQueryMetadata.NOT_AVAILABLE
              ? -1
              : metadata.partition();
      Answer stale = local(streams, store, lookup, known, true, -1);
      // Not knowing the key's partition, a key none of the local copies holds may be elsewhere.
      return done(
          stale.status() == 404 && known < 0
              ? unavailable(
                  store, "the partition of key " + key + " is not known yet (rebalancing)")
              : stale);
    }
    int partition = metadata.partition();
    if (self.equals(metadata.activeHost())) {
      if (waitFor == null) {
        return done(active(streams, store, lookup, partition, allowStale, -1));
      }
      // An answer that waited for an event is never a standby's: it may not hold the event yet.
      return later == null
          ? null
          : whenProcessed(store, lookup, partition, waitFor, timeout, arrived, later);
    }
    // A standby here answers only when the owner cannot: its value may lag the owner's.
    boolean standbyHere = allowStale && waitFor == null && metadata.standbyHosts().contains(self);
    if (forwarded) {
      return done(
          standbyHere
              ? local(streams, store, lookup, partition, true, -1)
              : unavailable(store, "the owner of key " + key + " moved (rebalancing)"));
    }
    if (later == null) {
      return null;
    }
    if (waitFor == null) {
      // Answered in milliseconds: on this thread, which saves a hand-off per lookup.
      Answer owners = forward(metadata.activeHost(), store, lookup, allowStale, null, timeout);
      return done(
          owners.status() == 503 && standbyHere
              ? local(streams, store, lookup, partition, true, -1)
              : owners);
    }
    // One that waits for an event may take its whole timeout: on a thread of its own, so that such
    // waits hold none of the server's, and a bounded number of them.
    try {
      return CompletableFuture.supplyAsync(
          () -> {
            try {
              // The owner waits what is left: the time this request waited for a thread counts.
              Duration left = timeout.minusNanos(System.nanoTime() - arrived);
              return forward(
                  metadata.activeHost(),
                  store,
                  lookup,
                  allowStale,
                  waitFor,
                  left.isNegative() ? Duration.ZERO : left);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          },
          forwardedWaits);
    } catch (RejectedExecutionException e) {
      return done(
          unavailable(
              store,
              MAX_FORWARDED_WAITS + " lookups already wait on other instances for their events"));
    }
  }

  /** A key looked up on this thread, waiting if it must: {@link #lookup} for blocking callers. */
  Answer get(String store, KeyLookup lookup) throws IOException {
    try {
      return lookup(
              store, lookup, false, false, null, Duration.ZERO, System.nanoTime(), Runnable::run)
          .join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof UncheckedIOException io) {
        throw io.getCause();
      }
      throw e;
    }
  }

  private static CompletableFuture<Answer> done(Answer answer) {
    return CompletableFuture.completedFuture(answer);
  }

  /** The active copy's answer; a standby's, marked stale, when it cannot and that is allowed. */
  private Answer active(
      KafkaStreams streams,
      String store,
      KeyLookup lookup,
      int partition,
      boolean allowStale,
      long processedAt)
      throws IOException {
    Answer active = local(streams, store, lookup, partition, false, processedAt);
    return active.status() == 503 && allowStale
        ? local(streams, store, lookup, partition, true, processedAt)
        : active;
  }

  /**
   * Looks the key up once the event has been processed into the store, or answers {@code 504} at
   * the timeout, or {@code 422} as soon as a processor on the way to the store failed the event, on
   * {@code later}; no thread waits meanwhile.
   */
  private CompletableFuture<Answer> whenProcessed(
      String store,
      KeyLookup lookup,
      int partition,
      String waitFor,
      Duration timeout,
      long arrived,
      Executor later) {
    return processed(store, waitFor, partition, arrived + timeout.toNanos(), lookup)
        .thenApplyAsync(
            awaited -> {
              try {
                if (awaited.failedIn() != null) {
                  return Answer.error(
                      422,
                      "Event "
                          + waitFor
                          + " failed in processor "
                          + awaited.failedIn()
                          + " on its way to store "
                          + store
                          + ", which does not hold its changes; the event is on the dead-letter"
                          + " topic");
                }
                if (awaited == Awaited.GONE) {
                  return unavailable(store, "its deployment went away while the query waited");
                }
                if (awaited.processedAt() < 0) {
                  return Answer.error(
                      504,
                      "Event "
                          + waitFor
                          + " was not processed into store "
                          + store
                          + " within "
                          + timeout.toMillis()
                          + " ms");
                }
                if (!awaited.committed()) {
                  return Answer.error(
                      504,
                      "Event "
                          + waitFor
                          + " was processed at "
                          + Instant.ofEpochMilli(awaited.processedAt())
                          + " but not committed into store "
                          + store
                          + ", which is queried beneath its cache, within "
                          + timeout.toMillis()
                          + " ms");
                }
                // A rebuild may have taken the store over meanwhile.
                KafkaStreams streams = owner(store).map(Deployment::streams).orElse(null);
                return streams == null
                    ? unavailable(store, "its deployment is stopping")
                    : active(streams, store, lookup, partition, false, awaited.processedAt());
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            later);
  }

  /**
   * An event awaited.
   *
   * @param processedAt when it was processed into the store (epoch millis), or -1 for not in time
   * @param committed whether the lookup may read it: committed, if it reads beneath the cache
   * @param failedIn the processor on the way to the store that threw on it, or null
   */
  private record Awaited(long processedAt, boolean committed, String failedIn) {

    static final Awaited NOT = new Awaited(-1, false, null);

    /** The store's deployment went away (undeployed, stopping) while the query waited. */
    static final Awaited GONE = new Awaited(-2, false, null);
  }

  /**
   * Why a key has no value. As of a time, a versioned store also answers nothing for history older
   * than it keeps, which the runtime checks only for stores whose retention it knows.
   */
  private String absentKey(String store, KeyLookup lookup) {
    String absent = "No key " + lookup.key() + " in store " + store;
    if (lookup.asOf() == null
        || owner(store).flatMap(d -> d.context().historyRetention(store)).isPresent()) {
      return absent + (lookup.asOf() == null ? "" : " as of " + lookup.asOf());
    }
    return absent
        + " as of "
        + lookup.asOf()
        + ", or no history that old: the runtime does not know how long the store keeps its"
        + " history (a store made with TopologyContext.versionedStore says)";
  }

  /**
   * A {@code 400} for a time a versioned store cannot answer truly: one in the future, or one
   * further back than the history it keeps, where an absent key could be history it dropped.
   */
  private Answer refusedTime(Deployment deployment, String store, Instant asOf) throws IOException {
    Instant now = Instant.now();
    if (asOf.isAfter(now)) {
      return Answer.error(400, "asOf " + asOf + " is in the future; the store answers up to now");
    }
    Optional<Duration> retention = deployment.context().historyRetention(store);
    if (retention.isPresent() && asOf.isBefore(now.minus(retention.get()))) {
      return Answer.error(
          400,
          "asOf "
              + asOf
              + " is further back than store "
              + store
              + " keeps history ("
              + retention.get()
              + "): ask for "
              + now.minus(retention.get())
              + " or later");
    }
    return null;
  }

  /**
   * Completes with when the event was processed into the store, and, for a lookup that reads
   * beneath the store's cache, once its task has committed since; or with {@link Awaited#NOT} when
   * it was not processed by the deadline ({@link System#nanoTime}). Asks whichever deployment holds
   * the store now, a slice at a time, so a wait follows a rebuild's switch. Asked once at least:
   * with no time to wait, an event processed already still counts.
   */
  private CompletableFuture<Awaited> processed(
      String store, String eventId, int partition, long deadline, KeyLookup lookup) {
    Optional<Deployment> holder = owner(store);
    if (holder.isEmpty()) {
      return CompletableFuture.completedFuture(Awaited.GONE);
    }
    ProcessedEvents events = holder.get().processed();
    long slice = Math.max(0, Math.min(deadline - System.nanoTime(), WAIT_SLICE.toNanos()));
    return events
        .whenProcessed(
            eventId, holder.get().feed(store), partition, lookup.key(), Duration.ofNanos(slice))
        .thenCompose(
            finished -> {
              if (finished.failed()) {
                return CompletableFuture.completedFuture(
                    new Awaited(finished.at(), true, finished.failedIn()));
              }
              if (finished.at() < 0) {
                return System.nanoTime() >= deadline
                    ? CompletableFuture.completedFuture(Awaited.NOT)
                    : processed(store, eventId, partition, deadline, lookup);
              }
              if (!lookup.readsBeneathTheCache()) {
                return CompletableFuture.completedFuture(new Awaited(finished.at(), true, null));
              }
              return events
                  .whenCommitted(finished, deadline)
                  .thenApply(committed -> new Awaited(finished.at(), committed, null));
            });
  }

  /**
   * The lookup answered from this instance's copy.
   *
   * @param processedAt when the awaited event was processed (epoch millis), or -1 when none was
   *     awaited: with the answer's own time it tells how long the change took to become queryable
   */
  private Answer local(
      KafkaStreams streams,
      String store,
      KeyLookup lookup,
      int partition,
      boolean stale,
      long processedAt)
      throws IOException {
    StateQueryRequest<Object> request = StateQueryRequest.inStore(store).withQuery(lookup.query());
    if (partition >= 0) {
      request = request.withPartitions(Set.of(partition));
    }
    if (!stale) {
      request = request.requireActive();
    }
    StateQueryResult<Object> result;
    try {
      result = streams.query(request);
    } catch (UnsupportedOperationException e) {
      // How a versioned store refuses a key query, where other stores answer UNKNOWN_QUERY_TYPE.
      return otherKind(streams, store, lookup, partition, stale, processedAt);
    } catch (RuntimeException e) {
      return unavailable(store, e.getMessage());
    }
    try {
      String failure = null;
      for (var entry : result.getPartitionResults().entrySet()) {
        QueryResult<Object> answer = entry.getValue();
        if (!answer.isSuccess()) {
          if (answer.getFailureReason() == FailureReason.UNKNOWN_QUERY_TYPE) {
            return otherKind(streams, store, lookup, partition, stale, processedAt);
          }
          failure = answer.getFailureReason() + ": " + answer.getFailureMessage();
          continue;
        }
        JsonNode value = lookup.render(answer.getResult(), values);
        if (value != null) {
          ObjectNode body = json.createObjectNode();
          body.put("store", store).put("key", lookup.key());
          body.set("value", value);
          body.put("partition", entry.getKey())
              .put("host", self.host() + ":" + self.port())
              .put("stale", stale);
          if (processedAt >= 0) {
            body.put("processedAt", Instant.ofEpochMilli(processedAt).toString());
          }
          return new Answer(200, json.writeValueAsString(body), 0);
        }
      }
      // A key is absent only when every partition that could hold it answered.
      return failure != null || result.getPartitionResults().isEmpty()
          ? unavailable(store, failure == null ? "no local copy of its partition" : failure)
          : Answer.error(404, absentKey(store, lookup));
    } catch (InvalidStateStoreException e) {
      // The store closed under a window lookup's iterator: a rebalance or an undeploy.
      return unavailable(store, e.getMessage());
    } finally {
      closeIterators(result);
    }
  }

  /**
   * Closes the iterators of a query's partitions, also those not read after an answer or a failure:
   * each pins RocksDB resources. (An iterator read to its end is closed already; closing again is
   * harmless.)
   */
  private static void closeIterators(StateQueryResult<?> result) {
    for (QueryResult<?> partition : result.getPartitionResults().values()) {
      if (partition.isSuccess() && partition.getResult() instanceof AutoCloseable iterator) {
        try {
          iterator.close();
        } catch (Exception e) {
          logger.debug("Closing a store iterator failed", e);
        }
      }
    }
  }

  /** Asks a store that refused a lookup's kind the versioned form of it, or answers {@code 400}. */
  private Answer otherKind(
      KafkaStreams streams,
      String store,
      KeyLookup lookup,
      int partition,
      boolean stale,
      long processedAt)
      throws IOException {
    KeyLookup versioned = lookup.onVersionedStore();
    return versioned == null
        ? Answer.error(400, lookup.wrongKind(store))
        : local(streams, store, versioned, partition, stale, processedAt);
  }

  /** Most entries one scan page holds. */
  static final int MAX_LIMIT = 1000;

  /**
   * A page of a store's entries in key order, from every instance: each answers from the partitions
   * it owns, at most {@code limit} entries, and this one merges them.
   *
   * @param from the lowest key, or null
   * @param to the highest key, or null
   * @param prefix only keys with this prefix, or null
   * @param cursor the {@code next} of the previous page: the page starts after it; or null
   * @param local answer from this instance's partitions only (what instances ask each other)
   */
  Answer scan(
      String store, String from, String to, String prefix, int limit, String cursor, boolean local)
      throws IOException {
    Optional<Deployment> owner = owner(store);
    if (owner.isEmpty()) {
      return absent("No store named " + store);
    }
    KafkaStreams streams = owner.get().streams();
    if (streams == null || streams.state() != KafkaStreams.State.RUNNING) {
      return unavailable(store, "its deployment is not running (rebalancing or restoring)");
    }
    String lower = max(from, prefix, cursor);
    String upper = prefix == null ? to : min(to, prefix + HIGHEST_CHARACTER);
    TreeMap<String, JsonNode> page = new TreeMap<>(STORE_ORDER);
    Set<Integer> covered = new TreeSet<>();
    boolean more;
    if (local) {
      Answer failed =
          scanLocal(owner.get(), store, lower, upper, prefix, limit, cursor, page, covered);
      if (failed != null) {
        return failed;
      }
      more = page.size() >= limit;
    } else {
      more = false;
      // Every other instance is asked at once: a page takes the slowest answer, not their sum.
      List<StreamsMetadata> hosts = List.copyOf(streams.streamsMetadataForStore(store));
      Map<HostInfo, CompletableFuture<HostPage>> asked = new HashMap<>();
      for (StreamsMetadata host : hosts) {
        HostInfo info = host.hostInfo();
        if (!self.equals(info)) {
          Supplier<HostPage> ask =
              () -> {
                try {
                  return scanRemote(info, store, lower, upper, prefix, limit, cursor);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              };
          CompletableFuture<HostPage> answer;
          try {
            answer = CompletableFuture.supplyAsync(ask, peerScans);
          } catch (RejectedExecutionException busy) {
            answer = CompletableFuture.supplyAsync(ask, Runnable::run);
          }
          asked.put(info, answer);
        }
      }
      for (StreamsMetadata host : hosts) {
        HostInfo info = host.hostInfo();
        HostPage answered;
        if (self.equals(info)) {
          answered = new HostPage();
          answered.failed =
              scanLocal(
                  owner.get(),
                  store,
                  lower,
                  upper,
                  prefix,
                  limit,
                  cursor,
                  answered.entries,
                  answered.partitions);
        } else {
          answered = joined(asked.get(info));
        }
        if (answered.failed != null) {
          return answered.failed;
        }
        // A partition that moved to an instance already asked would be missed: none may move.
        Set<Integer> expected = owner.get().assignedPartitions(store, host);
        if (!answered.partitions.equals(expected)) {
          return unavailable(
              store,
              "partitions moved during the scan: "
                  + info
                  + " answered for "
                  + answered.partitions
                  + ", not "
                  + expected);
        }
        page.putAll(answered.entries);
        more |= answered.entries.size() >= limit;
      }
    }
    ObjectNode body = json.createObjectNode().put("store", store);
    ArrayNode entries = body.putArray("entries");
    String last = null;
    for (Map.Entry<String, JsonNode> entry : page.entrySet()) {
      if (entries.size() == limit) {
        more = true;
        break;
      }
      entries.addObject().put("key", entry.getKey()).set("value", entry.getValue());
      last = entry.getKey();
    }
    body.put("next", more ? last : null);
    if (local) {
      covered.forEach(body.putArray("partitions")::add);
    }
    return new Answer(200, json.writeValueAsString(body), 0);
  }

  /**
   * Adds this instance's entries to {@code page}: from the partitions whose active copy it holds,
   * so no entry comes twice or from a stale standby, and only once those are all the partitions the
   * group assigned it. Every partition is assigned somewhere because every instance asked is {@code
   * RUNNING}, which is no rebalance in progress.
   */
  private Answer scanLocal(
      Deployment deployment,
      String store,
      String lower,
      String upper,
      String prefix,
      int limit,
      String cursor,
      TreeMap<String, JsonNode> page,
      Set<Integer> covered)
      throws IOException {
    KafkaStreams streams = deployment.streams();
    if (streams == null) {
      return unavailable(store, "its deployment is stopping");
    }
    Set<Integer> partitions = deployment.activePartitions(store);
    Set<Integer> assigned =
        streams.streamsMetadataForStore(store).stream()
            .filter(host -> self.equals(host.hostInfo()))
            .findFirst()
            .map(host -> deployment.assignedPartitions(store, host))
            .orElse(Set.of());
    if (!partitions.equals(assigned)) {
      // Assigned here but not (yet) active, or the reverse: a page now would miss entries.
      return unavailable(
          store, "partitions " + assigned + " are assigned here but " + partitions + " are active");
    }
    if (partitions.isEmpty()) {
      return null;
    }
    covered.addAll(partitions);
    StateQueryResult<KeyValueIterator<String, Object>> result;
    try {
      result =
          streams.query(
              StateQueryRequest.inStore(store)
                  .withQuery(RangeQuery.<String, Object>withRange(lower, upper))
                  .withPartitions(partitions)
                  .requireActive());
    } catch (UnsupportedOperationException e) {
      return Answer.error(400, "Store " + store + " cannot be scanned: " + e.getMessage());
    } catch (RuntimeException e) {
      return unavailable(store, e.getMessage());
    }
    try {
      for (QueryResult<KeyValueIterator<String, Object>> partition :
          result.getPartitionResults().values()) {
        if (!partition.isSuccess()) {
          return partition.getFailureReason() == FailureReason.UNKNOWN_QUERY_TYPE
              ? Answer.error(
                  400,
                  "Store "
                      + store
                      + " cannot be scanned (a window or session store): look a key up, with"
                      + " from and to for a window store")
              : unavailable(
                  store, partition.getFailureReason() + ": " + partition.getFailureMessage());
        }
        KeyValueIterator<String, Object> entries = partition.getResult();
        int taken = 0;
        while (taken < limit && entries.hasNext()) {
          KeyValue<String, Object> entry = entries.next();
          if (entry.key.equals(cursor) || (prefix != null && !entry.key.startsWith(prefix))) {
            continue;
          }
          page.put(entry.key, values.render(entry.value));
          taken++;
        }
      }
      return null;
    } catch (InvalidStateStoreException e) {
      // The store closed under the scan's iterator: a rebalance or an undeploy.
      return unavailable(store, e.getMessage());
    } finally {
      closeIterators(result);
    }
  }

  /** One instance's page, or why it has none. */
  private static final class HostPage {
    final TreeMap<String, JsonNode> entries = new TreeMap<>(STORE_ORDER);
    final Set<Integer> partitions = new TreeSet<>();
    Answer failed;
  }

  private static HostPage joined(CompletableFuture<HostPage> asked) throws IOException {
    try {
      return asked.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof UncheckedIOException unreadable) {
        throw unreadable.getCause();
      }
      throw e;
    }
  }

  /** Another instance's entries, from the partitions it owns. */
  private HostPage scanRemote(
      HostInfo host,
      String store,
      String lower,
      String upper,
      String prefix,
      int limit,
      String cursor)
      throws IOException {
    HostPage page = new HostPage();
    StringBuilder query = new StringBuilder("?" + SCOPE + "=local&limit=").append(limit);
    appendParam(query, "from", lower);
    appendParam(query, "to", upper);
    appendParam(query, "prefix", prefix);
    appendParam(query, "cursor", cursor);
    URI uri =
        URI.create(
            "http://"
                + host.host()
                + ":"
                + host.port()
                + "/v1/stores/"
                + encode(store)
                + "/keys"
                + query);
    Peers.Reply response;
    try {
      response = peers.get(uri, FORWARD_TIMEOUT);
    } catch (IOException e) {
      page.failed = unavailable(store, "instance " + host + " did not answer: " + e);
      return page;
    }
    if (response.status() != 200) {
      // A store another instance has not (yet) is a rebalance here; a refusal is the same anywhere.
      int status = response.status() == 404 ? 503 : response.status();
      page.failed = new Answer(status, response.body(), status == 503 ? 1 : 0);
      return page;
    }
    JsonNode answer = json.readTree(response.body());
    for (JsonNode entry : answer.path("entries")) {
      page.entries.put(entry.path("key").asText(), entry.path("value"));
    }
    answer.path("partitions").forEach(partition -> page.partitions.add(partition.asInt()));
    return page;
  }

  private static void appendParam(StringBuilder query, String name, String value) {
    if (value != null) {
      query.append('&').append(name).append('=').append(encode(value));
    }
  }

  /**
   * The order of string keys in a store: by their UTF-8 bytes, which is code point order. Java's
   * own order of strings (UTF-16 units) differs for characters beyond U+FFFF, and pages merged in
   * it would skip or repeat keys.
   */
  static final Comparator<String> STORE_ORDER =
      (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
          int x = a.codePointAt(i);
          int y = b.codePointAt(j);
          if (x != y) {
            return Integer.compare(x, y);
          }
          i += Character.charCount(x);
          j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
      };

  /** U+10FFFF: after a prefix, above every key that starts with it but for the rarest. */
  private static final String HIGHEST_CHARACTER = new String(Character.toChars(0x10FFFF));

  private static String max(String... bounds) {
    String max = null;
    for (String bound : bounds) {
      if (bound != null && (max == null || STORE_ORDER.compare(bound, max) > 0)) {
        max = bound;
      }
    }
    return max;
  }

  private static String min(String a, String b) {
    return a == null ? b : b == null ? a : STORE_ORDER.compare(a, b) <= 0 ? a : b;
  }

  private Answer forward(
      HostInfo owner,
      String store,
      KeyLookup lookup,
      boolean allowStale,
      String waitFor,
      Duration timeout)
      throws IOException {
    URI uri =
        URI.create(
            "http://"
                + owner.host()
                + ":"
                + owner.port()
                + "/v1/stores/"
                + encode(store)
                + "/keys/"
                + encode(lookup.key())
                + "?"
                + FORWARDED
                + "=true&allowStale="
                + allowStale
                + lookup.parameters()
                + (waitFor == null
                    ? ""
                    : "&waitFor=" + encode(waitFor) + "&timeout=" + timeout.toMillis() + "ms"));
    try {
      Peers.Reply response =
          peers.get(uri, waitFor == null ? FORWARD_TIMEOUT : FORWARD_TIMEOUT.plus(timeout));
      return new Answer(response.status(), response.body(), response.retryAfter());
    } catch (IOException e) {
      return unavailable(
          store, "the owner " + owner + " of key " + lookup.key() + " did not answer: " + e);
    }
  }

  @Override
  public void close() throws IOException {
    forwardedWaits.shutdownNow();
    peerScans.shutdownNow();
    peers.close();
  }

  private Optional<Deployment> owner(String store) {
    return runtime.running().stream().filter(d -> d.stores().contains(store)).findFirst();
  }

  /**
   * What no deployment here has: {@code 404}, but {@code 503} while the runtime is still deploying
   * again what it ran before it stopped, as it may be among that.
   */
  Answer absent(String message) throws IOException {
    if (runtime.resuming()) {
      return new Answer(
          503,
          json.writeValueAsString(
              json.createObjectNode()
                  .put(
                      "error",
                      message
                          + " yet: the runtime is still deploying what it ran before it stopped")),
          1);
    }
    return Answer.error(404, message);
  }

  private Answer unavailable(String store, String why) throws IOException {
    return new Answer(
        503,
        json.writeValueAsString(
            json.createObjectNode().put("error", "Store " + store + " cannot answer now: " + why)),
        1);
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
