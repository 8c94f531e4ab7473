package io.tideway.topology.saga;

import io.tideway.topology.EventHeaders;
import io.tideway.topology.InvalidEventException;
import io.tideway.topology.SideEffects;
import io.tideway.topology.saga.SagaDefinition.Outcome;
import io.tideway.topology.saga.SagaDefinition.Step;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the sagas of one definition in one task. Every input record is keyed by business key; the
 * saga's state, its lock and its deadline change in the task's stores, and its commands and
 * lifecycle records are forwarded in the same task, so under {@code exactly_once_v2} they commit
 * together or not at all.
 *
 * <p>Deadlines live in their own store keyed by (deadline, saga id), so the wall-clock punctuator
 * reads only the due ones in order; each running saga has exactly one, so the store's size is the
 * number of sagas in flight. A deadline fires by the clock once the task has read no record for a
 * check interval (nothing waits for it), and, while it reads, once the records it reads are later
 * than the deadline. The task reads while records reach this processor or its stream time moves
 * (records dropped before it, by a filter or a deduplication, are read too): Kafka Streams takes a
 * task's records oldest first, so after a restart or a lag a reply that came in time waits behind
 * the backlog, and must not lose to its deadline. A task whose last records were stamped well
 * before the clock ({@link #BACKLOG_LAG}) reads such a backlog, and counts as reading through
 * pauses of up to {@link #BACKLOG_PAUSE}.
 *
 * <p>While a rebuild replays history ({@link SideEffects} not live), time is the records' time, not
 * the clock's: a saga's times and deadlines come from the stream time of the records that moved it,
 * and a deadline fires before the first record later than it, as it fired when the history was
 * made. A replay at any speed thus times out the sagas that timed out then, and no other, and the
 * rebuilt store holds the records' times, not the replay's.
 */
final class SagaProcessor<D extends SpecificRecord>
    implements Processor<String, SpecificRecord, String, SpecificRecord> {

  static final String UNKNOWN_SAGA = "unknown-saga";
  static final String AFTER_END = "after-end";
  static final String WRONG_STEP = "wrong-step";
  static final String DUPLICATE_START = "duplicate-start";
  static final String STALE_FAILURE = "stale-failure";

  /** What a dead-lettered compensation names as its exception. */
  static final String COMPENSATION_FAILED = "io.tideway.topology.saga.CompensationFailed";

  /** Sweeps of ended sagas past their retention run this often. */
  private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(5);

  /**
   * Sagas a sweep reads at most: a slice of the store, the next sweep going on from there, so that
   * none holds the stream thread for long however many sagas a week's retention keeps. A pass over
   * the store reads 1,000 sagas a second, so it keeps up with as many started a second per task,
   * and each ended saga goes within its retention and the time a pass takes.
   */
  static final int SWEEP_SLICE = 5_000;

  /**
   * Deadlines a check acts on at most; the rest wait for the next check. All of a backlog at once
   * (a participant down for long, then a restart) could outlast the transaction they commit in.
   */
  static final int DEADLINE_SLICE = 1_000;

  /**
   * A task whose last record read was stamped this long before the clock reads a backlog, not what
   * comes live: records reach a saga within a second or so of being written.
   */
  static final Duration BACKLOG_LAG = Duration.ofSeconds(5);

  /**
   * How long a task reading a backlog may read nothing before its deadlines fire by the clock: a
   * catch-up pauses between fetches, commits, the other tasks of its thread, a rebalance or a
   * garbage collection, while the replies that came in time still wait in the backlog.
   */
  static final Duration BACKLOG_PAUSE = Duration.ofSeconds(30);

  /** Transitions a saga keeps in its history at most. */
  static final int MAX_HISTORY = 100;

  private static final Logger log = LoggerFactory.getLogger(SagaProcessor.class);

  private final SagaDefinition<D> definition;
  private final Saga.Names names;
  private final Serde<D> dataSerde;
  private final SagaObserver observer;

  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, SagaInstance> instances;
  private KeyValueStore<String, SagaLock> locks;
  private KeyValueStore<Bytes, String> deadlines;
  private int inFlight;

  /** Deadlines fire from this time on: see {@link SagaDefinition.Builder#startupGrace}. */
  private long firesFrom;

  /**
   * When the task last read a record, by the clock: one that reached this processor, or, seen at a
   * check, any that moved the task's stream time.
   */
  private long lastReadAt;

  /** How far the task's stream time trailed the clock when it last read a record. */
  private long lagWhenRead;

  /**
   * Sagas that wait behind one business key at most; more are rejected. The queue is one value in
   * the lock store, rewritten whole on every change, which must stay far below a record's limit.
   */
  static final int MAX_QUEUED = 1_000;

  /** The task's stream time when this processor last read a record. */
  private long streamTimeRead;

  /**
   * The task's stream time at the last deadline check ({@code Long.MIN_VALUE} before the first).
   * Moved since, and past what this processor read, the task reads records that do not reach it.
   */
  private long streamTimeChecked;

  /**
   * No deadline in the store is earlier than this (a lower bound: a removed deadline leaves it as
   * it was), so most checks need not read the store, and those that do start their range here.
   */
  private long earliestDeadline = Long.MAX_VALUE;

  /** The saga id the last sweep read up to; null: the next starts from the first. */
  private String sweptTo;

  private final SideEffects sideEffects;

  /** The sends of the action {@link #wholly} runs, held until it succeeds; null outside one. */
  private List<Held> held;

  /**
   * The {@code traceparent} of the record being processed, which the commands it sends carry, so
   * that the participants' work goes on in its trace; null outside a record (a deadline), and for a
   * queued saga the record starts when it ends the one before.
   */
  private Header trace;

  SagaProcessor(
      SagaDefinition<D> definition,
      Saga.Names names,
      Serde<D> dataSerde,
      SagaObserver observer,
      SideEffects sideEffects) {
    this.definition = definition;
    this.names = names;
    this.dataSerde = dataSerde;
    this.observer = observer;
    this.sideEffects = sideEffects;
  }

  /**
   * Sends a record outside the deployment — a command, a dead letter, a lifecycle record — unless a
   * rebuild replays history: the saga's state still changes as it did, its effects do not again.
   * Within {@link #wholly} the record waits for the action to succeed.
   */
  private void sendOut(Record<String, SpecificRecord> record, String sink) {
    if (!sideEffects.live()) {
      return;
    }
    if (held != null) {
      held.add(new Held(record, sink));
    } else {
      context.forward(record, sink);
    }
  }

  /**
   * Runs an action that fails whole (a start, a deadline, a reply): what it sends goes out only if
   * it succeeds, so a failed attempt, dead-lettered or tried again later, publishes nothing twice.
   */
  private void wholly(Runnable action) {
    release(holding(action));
  }

  /** Runs an action, holding back what it sends; returns that. */
  private List<Held> holding(Runnable action) {
    List<Held> outer = held;
    List<Held> sends = new ArrayList<>();
    held = sends;
    try {
      action.run();
    } finally {
      held = outer;
    }
    return sends;
  }

  /** Sends what an action that succeeded held back. */
  private void release(List<Held> sends) {
    sends.forEach(send -> sendOut(send.record(), send.sink()));
  }

  /** A record {@link #wholly} holds back until its action succeeded. */
  private record Held(Record<String, SpecificRecord> record, String sink) {}

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.instances = context.getStateStore(names.instances());
    this.locks = context.getStateStore(names.locks());
    this.deadlines = context.getStateStore(names.deadlines());
    // Counted afresh: Kafka Streams may init this processor again, reviving a task.
    inFlight = 0;
    earliestDeadline = Long.MAX_VALUE;
    try (KeyValueIterator<Bytes, String> all = deadlines.all()) {
      while (all.hasNext()) {
        earliestDeadline = Math.min(earliestDeadline, deadlineOf(all.next().key));
        inFlight++;
      }
    }
    observer.inFlight(definition.name(), context.taskId().toString(), inFlight);
    firesFrom = context.currentSystemTimeMs() + definition.startupGrace().toMillis();
    lastReadAt = 0;
    lagWhenRead = 0;
    streamTimeRead = Long.MIN_VALUE;
    streamTimeChecked = Long.MIN_VALUE;
    context.schedule(
        definition.timeoutCheckInterval(), PunctuationType.WALL_CLOCK_TIME, this::onClock);
    context.schedule(SWEEP_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::sweepEnded);
  }

  @Override
  public void process(Record<String, SpecificRecord> record) {
    if (record.key() == null) {
      throw new InvalidEventException(
          definition.name() + ": record has no key (the business key)",
          context.recordMetadata().orElse(null));
    }
    if (!sideEffects.live()) {
      // Those before the record's time: one at it loses to a reply stamped then, as live.
      fireDeadlines(now() - 1, Integer.MAX_VALUE);
    }
    read(context.currentSystemTimeMs());
    streamTimeRead = context.currentStreamTimeMs();
    trace = record.headers().lastHeader(EventHeaders.TRACEPARENT);
    try {
      process(record.key(), record.value(), record.timestamp());
    } finally {
      trace = null;
    }
  }

  /** A record, written at {@code writtenAt}. */
  private void process(String key, SpecificRecord value, long writtenAt) {
    if (definition.startType().isInstance(value)) {
      D data = definition.startType().cast(value);
      String businessKey = definition.businessKey(data);
      if (!businessKey.equals(key)) {
        // Locked under the record's key, two sagas of one business key would run at once.
        throw new InvalidEventException(
            definition.name()
                + ": start event keyed "
                + key
                + " has business key "
                + businessKey
                + "; read its topic with rekeyedInput",
            context.recordMetadata().orElse(null));
      }
      wholly(() -> start(key, data));
    } else if (value != null) {
      wholly(() -> reply(key, value, writtenAt));
    }
  }

  private void start(String key, D data) {
    String sagaId = definition.sagaId(data);
    if (instances.get(sagaId) != null) {
      observer.ignored(definition.name(), DUPLICATE_START);
      return;
    }
    long now = now();
    SagaLock lock = locks.get(key);
    boolean locked = lock != null;
    if (!locked) {
      lock = new SagaLock(null, null, new ArrayList<>());
    }
    SagaInstance saga =
        new SagaInstance(
            sagaId,
            definition.name(),
            key,
            SagaStatus.QUEUED,
            -1,
            "",
            null,
            0,
            null,
            false,
            Instant.ofEpochMilli(now),
            null,
            ByteBuffer.wrap(dataSerde.serializer().serialize(names.data(), data)),
            Instant.ofEpochMilli(now),
            Instant.ofEpochMilli(now),
            null,
            new ArrayList<>(),
            new ArrayList<>());
    if (lock.getActive() != null) {
      if (definition.lockPolicy() == LockPolicy.QUEUE && lock.getQueued().size() < MAX_QUEUED) {
        lock.getQueued().add(sagaId);
        locks.put(key, lock);
        note(saga, "QUEUED", null, "behind saga " + lock.getActive());
        instances.put(sagaId, saga);
      } else {
        saga.setStatus(SagaStatus.REJECTED);
        saga.setEndedAt(Instant.ofEpochMilli(now));
        note(
            saga,
            "REJECTED",
            null,
            "saga "
                + lock.getActive()
                + " holds "
                + key
                + (definition.lockPolicy() == LockPolicy.QUEUE
                    ? " and " + MAX_QUEUED + " sagas wait behind it"
                    : ""));
        instances.put(sagaId, saga);
        observer.ended(definition.name(), SagaStatus.REJECTED);
      }
      return;
    }
    SagaLock before = SagaLock.newBuilder(lock).build();
    lock.setActive(sagaId);
    locks.put(key, lock);
    try {
      run(saga);
    } catch (RuntimeException e) {
      // Nothing of a saga that could not start is kept: its start event goes to the dead-letter
      // topic, to be re-driven once the cause is fixed.
      observer.failed(definition.name(), "start");
      if (locked) {
        locks.put(key, before);
      } else {
        locks.delete(key);
      }
      instances.delete(sagaId);
      throw e;
    }
  }

  /**
   * Runs a saga's first step.
   *
   * @throws RuntimeException when the step's command (or the saga's data) cannot be made, before
   *     the saga is stored
   */
  private void run(SagaInstance saga) {
    saga.setStatus(SagaStatus.RUNNING);
    note(saga, "STARTED", null, null);
    inFlight(+1);
    try {
      forward(saga, 0);
    } catch (RuntimeException e) {
      inFlight(-1);
      throw e;
    }
    observer.started(definition.name());
  }

  /** A reply, written by its participant at {@code repliedAt}. */
  private void reply(String key, SpecificRecord reply, long repliedAt) {
    SagaLock lock = locks.get(key);
    if (lock == null || lock.getActive() == null) {
      observer.ignored(
          definition.name(), lock != null && lock.getLast() != null ? AFTER_END : UNKNOWN_SAGA);
      return;
    }
    String sagaId = definition.sagaIdOf(reply);
    if (!sagaId.equals(lock.getActive())) {
      // A reply to an earlier saga of the key, or to one queued behind the running one.
      SagaInstance named = instances.get(sagaId);
      observer.ignored(
          definition.name(),
          named == null ? UNKNOWN_SAGA : named.getEndedAt() != null ? AFTER_END : WRONG_STEP);
      return;
    }
    SagaInstance saga = instances.get(sagaId);
    Step<D> step = currentStep(saga);
    boolean compensating = saga.getStatus() == SagaStatus.COMPENSATING;
    Outcome outcome =
        (compensating ? step.compensationReplies() : step.replies()).get(reply.getClass());
    if (outcome == null) {
      observer.ignored(definition.name(), WRONG_STEP);
      return;
    }
    if (compensating && !outcome.success() && repliedAt < compensationSentAt(saga)) {
      // The failure of an attempt before the one under way, which may still succeed: taken for
      // the current one, it would give the compensation up one attempt early, at the last at once.
      observer.ignored(definition.name(), STALE_FAILURE);
      return;
    }
    String type = reply.getClass().getSimpleName();
    // Taken now, before the next step restarts the clock; reported once the reply's action
    // succeeded, so that a reply dead-lettered on the way and re-driven counts once.
    Duration took = Duration.ofMillis(now() - saga.getStepStartedAt().toEpochMilli());
    if (!compensating && outcome.success()) {
      note(saga, "SUCCEEDED", step.name(), type);
      forward(saga, saga.getStep() + 1);
    } else if (!compensating) {
      String reason = type + ": " + outcome.reason().apply(reply);
      note(saga, "FAILED", step.name(), reason);
      compensate(saga, saga.getStep() - 1, step.name() + " failed (" + reason + ")");
    } else if (outcome.success()) {
      note(saga, "COMPENSATED", step.name(), type);
      nextCompensation(saga, saga.getStep() - 1);
    } else {
      note(saga, "COMPENSATION_FAILED", step.name(), type + ": " + outcome.reason().apply(reply));
      retryCompensation(saga);
    }
    if (outcome.success()) {
      observer.stepEnded(definition.name(), step.name(), compensating, took);
    }
  }

  /**
   * When the compensation the saga waits on was last sent: its latest {@code COMPENSATION_SENT}
   * transition, which the history keeps, as it keeps the latest ones.
   */
  private static long compensationSentAt(SagaInstance saga) {
    List<SagaTransition> history = saga.getHistory();
    for (int i = history.size() - 1; i >= 0; i--) {
      SagaTransition transition = history.get(i);
      if (transition.getEvent().equals("COMPENSATION_SENT")) {
        return transition.getAt().toEpochMilli();
      }
    }
    return Long.MIN_VALUE;
  }

  /** Runs the steps from {@code index} on: sends the first command, or completes the saga. */
  private void forward(SagaInstance saga, int index) {
    List<Step<D>> steps = definition.steps();
    int next = index;
    while (next < steps.size() && !steps.get(next).hasCommand()) {
      next++;
    }
    if (next == steps.size()) {
      end(saga, SagaStatus.COMPLETED, "COMPLETED");
      return;
    }
    send(saga, next, 1);
  }

  private void compensate(SagaInstance saga, int from, String failure) {
    saga.setStatus(SagaStatus.COMPENSATING);
    saga.setFailure(failure);
    nextCompensation(saga, from);
  }

  /** Sends the compensation of the last step at or before {@code index} that has one. */
  private void nextCompensation(SagaInstance saga, int index) {
    int next = index;
    while (next >= 0 && !definition.steps().get(next).hasCompensation()) {
      next--;
    }
    if (next < 0) {
      if (saga.getFailedCompensations().isEmpty()) {
        end(saga, SagaStatus.COMPENSATED, "SAGA_COMPENSATED");
      } else {
        end(saga, SagaStatus.FAILED_COMPENSATION, "SAGA_FAILED_COMPENSATION");
      }
      return;
    }
    send(saga, next, 1);
  }

  /**
   * Sends the command, or in compensation the compensation, of step {@code index}, and waits for
   * its reply until the step's timeout.
   */
  private void send(SagaInstance saga, int index, int attempt) {
    Step<D> step = definition.steps().get(index);
    boolean compensating = saga.getStatus() == SagaStatus.COMPENSATING;
    long now = now();
    String commandId = commandId(saga.getSagaId(), step.name(), compensating);
    SpecificRecord command = command(saga, step, compensating, commandId, now);
    String topic = compensating ? step.compensationTopic().name() : step.commandTopic().name();
    RecordHeaders headers = headers(commandId, attempt, command, now);
    if (trace != null) {
      headers.add(trace);
    }
    sendOut(
        new Record<String, SpecificRecord>(saga.getSagaId(), command, now, headers),
        names.sink(topic));
    if (attempt == 1) {
      saga.setStepStartedAt(Instant.ofEpochMilli(now));
    } else {
      observer.resent(definition.name(), step.name(), compensating);
    }
    saga.setStep(index);
    saga.setStepName(step.name());
    saga.setCommandId(commandId);
    saga.setAttempt(attempt);
    note(
        saga,
        compensating ? "COMPENSATION_SENT" : "COMMAND_SENT",
        step.name(),
        command.getSchema().getName() + (attempt > 1 ? ", attempt " + attempt : ""));
    setDeadline(saga, now + step.timeout().toMillis(), false);
  }

  private SpecificRecord command(
      SagaInstance saga, Step<D> step, boolean compensating, String commandId, long now) {
    D data = dataSerde.deserializer().deserialize(names.data(), bytes(saga.getData()));
    SagaCommand about =
        new SagaCommand(
            saga.getSagaId(),
            commandId,
            Instant.ofEpochMilli(now),
            compensating ? saga.getFailure() : null);
    SpecificRecord command =
        (compensating ? step.compensation() : step.command()).create(data, about);
    // Checked here, not first at the sink: a record that cannot be serialized there is
    // dead-lettered after this action's state changes were made, which would then stand without it.
    for (Schema.Field field : command.getSchema().getFields()) {
      if (command.get(field.pos()) == null && !field.schema().isNullable()) {
        throw new IllegalStateException(
            definition.name()
                + ": step "
                + step.name()
                + " made a "
                + (compensating ? "compensation " : "command ")
                + command.getSchema().getName()
                + " for saga "
                + saga.getSagaId()
                + " without its required field "
                + field.name());
      }
    }
    return command;
  }

  /**
   * The command's id: the same for every send of one step's command (or compensation) in one saga,
   * so a participant recognises a resend.
   */
  static String commandId(String sagaId, String step, boolean compensation) {
    return nameBasedId(sagaId + '/' + step + '/' + (compensation ? "compensation" : "command"));
  }

  private static RecordHeaders headers(
      String commandId, int attempt, SpecificRecord command, long now) {
    String recordId = attempt == 1 ? commandId : nameBasedId(commandId + '#' + attempt);
    return headers(recordId, command, now);
  }

  /** The platform's headers of a record the saga sends: {@code id}, {@code eventType}, time. */
  private static RecordHeaders headers(String recordId, SpecificRecord record, long now) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(EventHeaders.ID, recordId.getBytes(StandardCharsets.UTF_8));
    headers.add(
        EventHeaders.EVENT_TYPE, record.getSchema().getName().getBytes(StandardCharsets.UTF_8));
    headers.add(EventHeaders.OCCURRED_AT, Long.toString(now).getBytes(StandardCharsets.UTF_8));
    return headers;
  }

  private static String nameBasedId(String name) {
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /**
   * The wall-clock punctuator: the clock fires deadlines while the saga is live, those up to the
   * time of the records the task reads while it reads any (see the class's description).
   */
  private void onClock(long now) {
    // Told again and again: the count of a deployment that turned live (a rebuild's, at its
    // switch) was not taken while it replayed.
    observer.inFlight(definition.name(), context.taskId().toString(), inFlight);
    long streamTime = context.currentStreamTimeMs();
    if (streamTimeChecked != Long.MIN_VALUE
        && streamTime != streamTimeChecked
        && streamTime != streamTimeRead) {
      read(now); // records that do not reach this processor, since the last check
    }
    streamTimeChecked = streamTime;
    if (sideEffects.live() && now >= firesFrom) {
      long idleAfter =
          lagWhenRead > BACKLOG_LAG.toMillis()
              ? BACKLOG_PAUSE.toMillis()
              : definition.timeoutCheckInterval().toMillis();
      boolean reading = now - lastReadAt < idleAfter;
      fireDeadlines(reading ? Math.min(now, streamTime - 1) : now, DEADLINE_SLICE);
    }
  }

  /** Notes that the task read a record by {@code now}, and how far behind the clock it reads. */
  private void read(long now) {
    lastReadAt = Math.max(lastReadAt, now);
    lagWhenRead = now - context.currentStreamTimeMs();
  }

  /** Acts on the deadlines at or before {@code now}, the earliest {@code limit} of them. */
  private void fireDeadlines(long now, int limit) {
    if (now < earliestDeadline) {
      return;
    }
    List<KeyValue<Bytes, String>> due = new ArrayList<>();
    // From the lower bound, not the store's first key: fired deadlines leave deletes at the store's
    // head, which RocksDB would step over on every check until it compacts them away.
    try (KeyValueIterator<Bytes, String> it =
        deadlines.range(deadlineKey(earliestDeadline, ""), deadlineKey(now + 1, ""))) {
      while (it.hasNext() && due.size() < limit) {
        due.add(it.next());
      }
    }
    for (KeyValue<Bytes, String> entry : due) {
      SagaInstance saga = instances.get(entry.value);
      if (saga == null
          || saga.getDeadline() == null
          || !entry.key.equals(deadlineKey(saga.getDeadline().toEpochMilli(), entry.value))) {
        deadlines.delete(entry.key);
        continue;
      }
      List<Held> sends;
      try {
        sends = holding(() -> expired(saga));
      } catch (RuntimeException e) {
        postpone(entry.value, e);
        continue;
      }
      // Not postponed when a send fails: that fails the task, and its transaction aborts, the
      // deadline with it, to fire again from the stores as last committed.
      release(sends);
    }
    try (KeyValueIterator<Bytes, String> first =
        deadlines.range(deadlineKey(earliestDeadline, ""), null)) {
      earliestDeadline = first.hasNext() ? deadlineOf(first.next().key) : Long.MAX_VALUE;
    }
  }

  /**
   * What a saga's deadline was to do failed: a command, or the saga's data, could not be made,
   * which takes a fix. The saga, as stored before (nothing of the attempt was), tries again after
   * the longest backoff, and the deadlines behind it fire meanwhile; nothing of the attempt was
   * sent.
   */
  private void postpone(String sagaId, RuntimeException failure) {
    SagaInstance saga = instances.get(sagaId);
    long again = now() + definition.backoff(Integer.MAX_VALUE).toMillis();
    observer.failed(definition.name(), "deadline");
    log.error(
        "Saga {} {}: could not act on its deadline at step {}; trying again at {}",
        definition.name(),
        sagaId,
        saga.getStepName(),
        Instant.ofEpochMilli(again),
        failure);
    setDeadline(saga, again, saga.getRetrying());
  }

  /**
   * The step a running saga is at, by the index and the name it stored. Steps changed under sagas
   * in flight (one inserted or removed before theirs) would route a reply to another step, or
   * compensate steps the saga never ran: the saga is refused with this error instead (a reply is
   * dead-lettered, to be re-driven; a deadline waits and tries again), until it is back under the
   * steps it ran with.
   */
  private Step<D> currentStep(SagaInstance saga) {
    List<Step<D>> steps = definition.steps();
    int index = saga.getStep();
    if (index < 0 || index >= steps.size() || !steps.get(index).name().equals(saga.getStepName())) {
      throw new IllegalStateException(
          "Saga "
              + saga.getSagaId()
              + " of "
              + definition.name()
              + " is at step "
              + index
              + " '"
              + saga.getStepName()
              + "', which this definition has "
              + (index >= 0 && index < steps.size()
                  ? "as '" + steps.get(index).name() + "'"
                  : "not")
              + ": its steps changed under sagas in flight. Run the definition they started with"
              + " until they end, or give the new steps a saga of another name");
    }
    return steps.get(index);
  }

  /** The saga's deadline passed: resend when it was waiting to, else the reply timed out. */
  private void expired(SagaInstance saga) {
    Step<D> step = currentStep(saga);
    if (saga.getRetrying()) {
      send(saga, saga.getStep(), saga.getAttempt() + 1);
      return;
    }
    note(saga, "TIMED_OUT", step.name(), "no reply after " + step.timeout());
    boolean compensating = saga.getStatus() == SagaStatus.COMPENSATING;
    if (compensating) {
      retryCompensation(saga);
    } else if (step.retriable()) {
      scheduleResend(saga);
    } else {
      // The participant may still act on the command: undo this step too.
      compensate(saga, saga.getStep(), step.name() + " timed out");
    }
    // Counted once the timeout's action succeeded: one that failed is postponed, to fire again.
    observer.timedOut(definition.name(), step.name(), compensating);
  }

  private void retryCompensation(SagaInstance saga) {
    if (saga.getAttempt() < definition.compensationAttempts()) {
      scheduleResend(saga);
      return;
    }
    Step<D> step = currentStep(saga);
    long now = now();
    SpecificRecord command = command(saga, step, true, saga.getCommandId(), now);
    // The next attempt's record id: a re-drive is a send the participant has not seen.
    RecordHeaders headers = headers(saga.getCommandId(), saga.getAttempt() + 1, command, now);
    header(headers, "__streams.errors.exception", COMPENSATION_FAILED);
    header(
        headers,
        "__streams.errors.message",
        "saga "
            + saga.getSagaId()
            + ": compensation of step "
            + step.name()
            + " failed after "
            + saga.getAttempt()
            + " attempts");
    header(headers, Saga.SAGA_HEADER, definition.name());
    header(headers, Saga.SAGA_ID_HEADER, saga.getSagaId());
    header(headers, Saga.STEP_HEADER, step.name());
    header(headers, Saga.DESTINATION_HEADER, names.topic(step.compensationTopic().name()));
    sendOut(
        new Record<String, SpecificRecord>(saga.getSagaId(), command, now, headers),
        names.deadLetterSink());
    note(saga, "COMPENSATION_ABANDONED", step.name(), "sent to the dead-letter topic");
    saga.getFailedCompensations().add(step.name());
    // The steps before it are undone all the same: left alone, what they hold would stay held.
    nextCompensation(saga, saga.getStep() - 1);
  }

  private void scheduleResend(SagaInstance saga) {
    Duration wait = definition.backoff(saga.getAttempt());
    note(
        saga,
        "RETRY_SCHEDULED",
        saga.getStepName(),
        "attempt " + (saga.getAttempt() + 1) + " in " + wait.toMillis() + " ms");
    setDeadline(saga, now() + wait.toMillis(), true);
  }

  private void end(SagaInstance saga, SagaStatus status, String event) {
    long now = now();
    saga.setStatus(status);
    saga.setEndedAt(Instant.ofEpochMilli(now));
    saga.setCommandId(null);
    note(saga, event, null, saga.getFailure());
    setDeadline(saga, -1, false);
    inFlight(-1);
    observer.ended(definition.name(), status);
    SagaLock lock = locks.get(saga.getBusinessKey());
    lock.setActive(null);
    lock.setLast(saga.getSagaId());
    locks.put(saga.getBusinessKey(), lock);
    runQueued(saga.getBusinessKey(), lock);
  }

  /**
   * Runs the first saga queued behind a business key's lock. One that cannot start (its first
   * command cannot be made) is rejected, and the next one tried: none stays queued behind it.
   */
  private void runQueued(String key, SagaLock lock) {
    // The record that ended the last saga is not this one's: its commands go without a trace.
    trace = null;
    while (!lock.getQueued().isEmpty()) {
      String next = lock.getQueued().remove(0);
      lock.setActive(next);
      locks.put(key, lock);
      SagaInstance queued = instances.get(next);
      try {
        wholly(() -> run(queued));
        return;
      } catch (RuntimeException e) {
        observer.failed(definition.name(), "start");
        log.error("Saga {} {} could not start; rejected", definition.name(), next, e);
        SagaInstance rejected = instances.get(next);
        rejected.setStatus(SagaStatus.REJECTED);
        rejected.setEndedAt(Instant.ofEpochMilli(now()));
        rejected.setFailure("could not start: " + e);
        note(rejected, "REJECTED", null, rejected.getFailure());
        instances.put(next, rejected);
        observer.ended(definition.name(), SagaStatus.REJECTED);
        lock.setActive(null);
        lock.setLast(next);
        locks.put(key, lock);
      }
    }
  }

  /** Replaces the saga's deadline, or removes it ({@code at} < 0), and stores the saga. */
  private void setDeadline(SagaInstance saga, long at, boolean retrying) {
    if (saga.getDeadline() != null) {
      deadlines.delete(deadlineKey(saga.getDeadline().toEpochMilli(), saga.getSagaId()));
    }
    saga.setRetrying(retrying);
    saga.setDeadline(at < 0 ? null : Instant.ofEpochMilli(at));
    if (at >= 0) {
      deadlines.put(deadlineKey(at, saga.getSagaId()), saga.getSagaId());
      earliestDeadline = Math.min(earliestDeadline, at);
    }
    instances.put(saga.getSagaId(), saga);
  }

  /** Appends to the saga's history and publishes the same on the lifecycle topic. */
  private void note(SagaInstance saga, String event, String step, String detail) {
    long now = now();
    SagaTransition transition =
        new SagaTransition(
            saga.getSagaId(),
            definition.name(),
            event,
            step,
            saga.getStatus(),
            detail,
            Instant.ofEpochMilli(now));
    List<SagaTransition> history = saga.getHistory();
    history.add(transition);
    // A step retried for days would grow the saga without end: its first transition and the
    // latest are kept; the lifecycle topic has them all.
    if (history.size() > MAX_HISTORY) {
      history.remove(1);
    }
    saga.setUpdatedAt(Instant.ofEpochMilli(now));
    sendOut(
        new Record<String, SpecificRecord>(
            saga.getSagaId(), transition, now, headers(transitionId(saga, event), transition, now)),
        names.lifecycleSink());
  }

  /**
   * A transition's event id: the same whenever the saga goes through it again (a transaction
   * retried, a rebuild replaying history), so that consumers of the lifecycle topic deduplicate.
   * What happened, at which step and attempt, in which direction, tells a saga's transitions apart.
   */
  static String transitionId(SagaInstance saga, String event) {
    return nameBasedId(
        saga.getSagaId()
            + '/'
            + event
            + '/'
            + saga.getStep()
            + '/'
            + saga.getAttempt()
            + '/'
            + saga.getStatus());
  }

  /**
   * Deletes the ended sagas past their retention in the next {@link #SWEEP_SLICE} of the store, and
   * the locks nothing holds any more.
   */
  private void sweepEnded(long clock) {
    // A rebuild's sagas ended at the records' time: their retention runs from there too.
    long cutoff = now() - definition.retention().toMillis();
    List<SagaInstance> expired = new ArrayList<>();
    try (KeyValueIterator<String, SagaInstance> slice =
        sweptTo == null ? instances.all() : instances.range(sweptTo, null)) {
      String last = null;
      for (int read = 0; read < SWEEP_SLICE && slice.hasNext(); read++) {
        KeyValue<String, SagaInstance> next = slice.next();
        last = next.key;
        SagaInstance saga = next.value;
        if (saga.getEndedAt() != null && saga.getEndedAt().toEpochMilli() < cutoff) {
          expired.add(saga);
        }
      }
      sweptTo = slice.hasNext() ? last : null;
    }
    for (SagaInstance saga : expired) {
      instances.delete(saga.getSagaId());
      SagaLock lock = locks.get(saga.getBusinessKey());
      if (lock != null
          && lock.getActive() == null
          && lock.getQueued().isEmpty()
          && saga.getSagaId().equals(lock.getLast())) {
        locks.delete(saga.getBusinessKey());
      }
    }
  }

  private void inFlight(int delta) {
    inFlight += delta;
    observer.inFlight(definition.name(), context.taskId().toString(), inFlight);
  }

  @Override
  public void close() {
    if (context != null) {
      observer.inFlight(definition.name(), context.taskId().toString(), 0);
    }
  }

  /** The clock's time while live; while a rebuild replays history, the records' (stream) time. */
  private long now() {
    return sideEffects.live() ? context.currentSystemTimeMs() : context.currentStreamTimeMs();
  }

  /** (deadline, saga id) with the deadline big-endian first, so keys sort by deadline. */
  static Bytes deadlineKey(long at, String sagaId) {
    byte[] id = sagaId.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + id.length).putLong(at).put(id).array());
  }

  private static long deadlineOf(Bytes key) {
    return ByteBuffer.wrap(key.get()).getLong();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }

  private static void header(RecordHeaders headers, String name, String value) {
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
