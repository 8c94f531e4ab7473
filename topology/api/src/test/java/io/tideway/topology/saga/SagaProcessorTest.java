package io.tideway.topology.saga;

import static io.tideway.topology.saga.OrderSagaFixture.COMPENSATION_ATTEMPTS;
import static io.tideway.topology.saga.OrderSagaFixture.INCOMPLETE;
import static io.tideway.topology.saga.OrderSagaFixture.STEP_TIMEOUT;
import static io.tideway.topology.saga.OrderSagaFixture.UNRELEASABLE;
import static io.tideway.topology.saga.OrderSagaFixture.UNRESERVABLE;
import static io.tideway.topology.saga.OrderSagaFixture.approved;
import static io.tideway.topology.saga.OrderSagaFixture.creditRejected;
import static io.tideway.topology.saga.OrderSagaFixture.creditReleased;
import static io.tideway.topology.saga.OrderSagaFixture.creditReserved;
import static io.tideway.topology.saga.OrderSagaFixture.placed;
import static io.tideway.topology.saga.OrderSagaFixture.rejected;
import static io.tideway.topology.saga.OrderSagaFixture.stockReleased;
import static io.tideway.topology.saga.OrderSagaFixture.stockReserved;
import static io.tideway.topology.saga.OrderSagaFixture.stockUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.contracts.customer.CustomerCreditReserved;
import io.tideway.contracts.inventory.StockReleased;
import io.tideway.contracts.inventory.StockReserved;
import io.tideway.contracts.order.OrderApproved;
import io.tideway.contracts.order.OrderPlaced;
import io.tideway.contracts.order.OrderRejected;
import io.tideway.contracts.saga.ApproveOrder;
import io.tideway.contracts.saga.RejectOrder;
import io.tideway.contracts.saga.ReleaseCredit;
import io.tideway.contracts.saga.ReleaseStock;
import io.tideway.contracts.saga.ReserveCredit;
import io.tideway.contracts.saga.ReserveStock;
import io.tideway.schemas.client.MockSchemaRegistry;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.schemas.serde.RecordNameStrategy;
import io.tideway.topics.Topics;
import io.tideway.topology.DeploymentContext;
import io.tideway.topology.EventHeaders;
import io.tideway.topology.InvalidEventException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedForward;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SagaProcessorTest {

  private static final String SCOPE = "saga-processor-test";
  private static final long T0 = 1_000_000L;

  /** A caller's trace context, W3C Trace Context. */
  private static final String TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  /** The customer service's command topic as the deployment renames it. */
  private static final String RENAMED_CUSTOMER_COMMANDS =
      "renamed." + Topics.CUSTOMER_COMMANDS.name();

  private final UUID order = UUID.randomUUID();
  private final UUID customer = UUID.randomUUID();
  private final RecordingObserver observer = new RecordingObserver();
  private boolean live = true;
  private String failingSink;

  private DeploymentContext deployment;
  private MockProcessorContext<String, SpecificRecord> context;
  private SagaDefinition<OrderPlaced> definition;
  private SagaProcessor<OrderPlaced> processor;
  private KeyValueStore<String, SagaInstance> instances;
  private KeyValueStore<String, SagaLock> locks;

  @BeforeEach
  void setUp() {
    // The mock context names every store's topic "changelog": one subject per record type instead.
    deployment =
        DeploymentContext.of(
            "saga-test",
            Map.of(
                "schema.registry.url",
                "mock://" + SCOPE,
                AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
                RecordNameStrategy.class.getName()));
    start(LockPolicy.REJECT, false);
  }

  @AfterEach
  void tearDown() {
    processor.close();
    deployment.close();
    MockSchemaRegistry.drop(SCOPE);
  }

  /** A processor over fresh stores. */
  private void start(LockPolicy policy, boolean lockPerCustomer) {
    definition = OrderSagaFixture.definition(policy, lockPerCustomer);
    context =
        new MockProcessorContext<>() {
          @Override
          public <K extends String, V extends SpecificRecord> void forward(
              Record<K, V> record, String childName) {
            if (childName.equals(failingSink)) {
              throw new StreamsException("cannot send to " + childName);
            }
            super.forward(record, childName);
          }
        };
    context.setCurrentSystemTimeMs(T0);
    Saga.Names names = new Saga.Names(definition.name());
    instances =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(names.instances()),
                Serdes.String(),
                deployment.avroSerde(SagaInstance.class))
            .withLoggingDisabled()
            .build();
    locks =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(names.locks()),
                Serdes.String(),
                deployment.avroSerde(SagaLock.class))
            .withLoggingDisabled()
            .build();
    var deadlines =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(names.deadlines()), Serdes.Bytes(), Serdes.String())
            .withLoggingDisabled()
            .build();
    for (var store : List.of(instances, locks, deadlines)) {
      store.init(context.getStateStoreContext(), store);
      context.addStateStore(store);
    }
    restart();
  }

  /** A new processor over the same stores, as after a crash and a restore. */
  private void restart() {
    if (processor != null) {
      processor.close();
    }
    Saga.Names names =
        new Saga.Names(
            definition.name(), Map.of(Topics.CUSTOMER_COMMANDS.name(), RENAMED_CUSTOMER_COMMANDS));
    processor =
        new SagaProcessor<>(
            definition, names, deployment.avroSerde(OrderPlaced.class), observer, () -> live);
    processor.init(context);
  }

  /** A record as it comes live, its time the clock's, which the task's stream time reaches. */
  private void send(String key, SpecificRecord value) {
    context.setCurrentStreamTimeMs(context.currentSystemTimeMs());
    processor.process(new Record<>(key, value, context.currentSystemTimeMs()));
  }

  /**
   * Lets wall-clock time pass and runs the deadline punctuator of the current processor (the mock
   * context keeps those of processors closed before).
   */
  private void advance(Duration by) {
    context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + by.toMillis());
    context.scheduledPunctuators().stream()
        .filter(p -> p.getType() == PunctuationType.WALL_CLOCK_TIME)
        .filter(p -> p.getInterval().equals(definition.timeoutCheckInterval()))
        .reduce((first, second) -> second)
        .orElseThrow()
        .getPunctuator()
        .punctuate(context.currentSystemTimeMs());
  }

  /** The commands forwarded since the last call, in order. */
  private List<SpecificRecord> commands() {
    return commandRecords().stream().map(record -> (SpecificRecord) record.value()).toList();
  }

  /** The command records forwarded since the last call, in order. */
  private List<Record<?, ?>> commandRecords() {
    List<Record<?, ?>> commands = new ArrayList<>();
    for (CapturedForward<? extends String, ? extends SpecificRecord> forward :
        context.forwarded()) {
      if (forward.childName().orElseThrow().endsWith(".commands-sink")) {
        commands.add(forward.record());
      }
    }
    context.resetForwards();
    return commands;
  }

  /** A record as it comes live, in the trace {@link #TRACE}. */
  private Record<String, SpecificRecord> traced(String key, SpecificRecord value) {
    context.setCurrentStreamTimeMs(context.currentSystemTimeMs());
    Record<String, SpecificRecord> record = new Record<>(key, value, context.currentSystemTimeMs());
    record.headers().add(EventHeaders.TRACEPARENT, TRACE.getBytes(StandardCharsets.UTF_8));
    return record;
  }

  /** The lifecycle events published for a saga since the forwards were last reset. */
  private List<String> published(UUID sagaId) {
    return context.forwarded().stream()
        .filter(f -> f.childName().orElseThrow().equals("place-order-lifecycle-sink"))
        .filter(f -> f.record().key().equals(sagaId.toString()))
        .map(f -> ((SagaTransition) f.record().value()).getEvent())
        .toList();
  }

  private SagaInstance saga() {
    return instances.get(order.toString());
  }

  private List<String> events() {
    return saga().getHistory().stream().map(SagaTransition::getEvent).toList();
  }

  @Test
  void happyPathSendsEachCommandOnItsReplyAndCompletes() {
    send(order.toString(), placed(order, customer));
    assertThat(commands()).singleElement().isInstanceOf(ReserveCredit.class);
    send(order.toString(), creditReserved(order, customer));
    assertThat(commands()).singleElement().isInstanceOf(ReserveStock.class);
    send(order.toString(), stockReserved(order));
    assertThat(commands()).singleElement().isInstanceOf(ApproveOrder.class);
    send(order.toString(), approved(order));

    assertThat(commands()).isEmpty();
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPLETED);
    assertThat(saga().getDeadline()).isNull();
    assertThat(locks.get(order.toString()).getActive()).isNull();
    assertThat(events())
        .containsExactly(
            "STARTED",
            "COMMAND_SENT",
            "SUCCEEDED",
            "COMMAND_SENT",
            "SUCCEEDED",
            "COMMAND_SENT",
            "SUCCEEDED",
            "COMPLETED");
    assertThat(observer.started).hasValue(1);
    assertThat(observer.ended).containsExactly(SagaStatus.COMPLETED);
    assertThat(observer.steps).containsExactly("reserve-credit", "reserve-stock", "approve-order");
    assertThat(observer.inFlight.get("0_0")).isZero();
  }

  @Test
  void whileARebuildReplaysHistoryTheSagaAdvancesButSendsNothing() {
    live = false;
    replay(order.toString(), placed(order, customer), T0);
    replay(order.toString(), creditReserved(order, customer), T0 + 1_000);
    assertThat(context.forwarded()).isEmpty();
    assertThat(saga().getStepName()).isEqualTo("reserve-stock");

    live = true;
    send(order.toString(), stockReserved(order));
    assertThat(commands()).singleElement().isInstanceOf(ApproveOrder.class);
  }

  @Test
  void whileARebuildReplaysHistoryDeadlinesFollowTheRecordsTimeNotTheClock() {
    live = false;
    replay(order.toString(), placed(order, customer), T0);
    // The replay takes an hour of the clock: no deadline fires on that.
    advance(Duration.ofHours(1));
    assertThat(saga().getStepName()).isEqualTo("reserve-credit");
    assertThat(events()).doesNotContain("TIMED_OUT");

    // The reply came a second after the command: in time, as it was when it happened.
    replay(order.toString(), creditReserved(order, customer), T0 + 1_000);
    assertThat(saga().getStepName()).isEqualTo("reserve-stock");
    assertThat(saga().getStartedAt().toEpochMilli()).isEqualTo(T0);
    assertThat(saga().getDeadline().toEpochMilli()).isEqualTo(T0 + 1_000 + STEP_TIMEOUT.toMillis());

    // No reply to reserve-stock before a record from after its deadline: it timed out then, so it
    // does in the replay, before that record is taken.
    UUID later = UUID.randomUUID();
    replay(later.toString(), placed(later, customer), T0 + 2_000 + STEP_TIMEOUT.toMillis());
    assertThat(events()).contains("TIMED_OUT");
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPENSATING);
    assertThat(context.forwarded()).isEmpty();
    assertThat(instances.get(later.toString()).getStatus()).isEqualTo(SagaStatus.RUNNING);
  }

  @Test
  void aReplyStampedAtItsDeadlineWinsInAReplayAsItDidLive() {
    live = false;
    replay(order.toString(), placed(order, customer), T0);
    long deadline = saga().getDeadline().toEpochMilli();

    replay(order.toString(), creditReserved(order, customer), deadline);

    assertThat(events()).doesNotContain("TIMED_OUT");
    assertThat(saga().getStepName()).isEqualTo("reserve-stock");
  }

  /** A record replayed by a rebuild, which the task's stream time has reached. */
  private void replay(String key, SpecificRecord value, long at) {
    context.setCurrentStreamTimeMs(at);
    processor.process(new Record<>(key, value, at));
  }

  @Test
  void everyTransitionIsPublishedOnTheLifecycleTopic() {
    send(order.toString(), placed(order, customer));
    List<String> published =
        context.forwarded().stream()
            .filter(f -> f.childName().orElseThrow().equals("place-order-lifecycle-sink"))
            .map(f -> ((SagaTransition) f.record().value()).getEvent())
            .toList();
    assertThat(published).isEqualTo(events());
  }

  @Test
  void lifecycleRecordsCarryTheEventHeadersWithAnIdTheSameWhenTheSagaGoesThroughThemAgain() {
    List<String> first = lifecycleIdsOfARejectedOrder();
    assertThat(first).hasSize(events().size()).doesNotHaveDuplicates();
    CapturedForward<? extends String, ? extends SpecificRecord> any =
        context.forwarded().stream()
            .filter(f -> f.childName().orElseThrow().equals("place-order-lifecycle-sink"))
            .findFirst()
            .orElseThrow();
    assertThat(header(any, EventHeaders.EVENT_TYPE)).isEqualTo("SagaTransition");
    assertThat(header(any, EventHeaders.OCCURRED_AT)).isEqualTo(Long.toString(T0));

    // The same saga over fresh stores, as a rebuild's would go: the same ids.
    processor.close();
    start(LockPolicy.REJECT, false);
    assertThat(lifecycleIdsOfARejectedOrder()).isEqualTo(first);
  }

  /** The lifecycle records' ids of an order whose stock ran out: steps and compensations. */
  private List<String> lifecycleIdsOfARejectedOrder() {
    send(order.toString(), placed(order, customer));
    send(order.toString(), creditReserved(order, customer));
    send(order.toString(), stockUnavailable(order));
    send(order.toString(), creditReleased(order, customer));
    send(order.toString(), rejected(order));
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPENSATED);
    return context.forwarded().stream()
        .filter(f -> f.childName().orElseThrow().equals("place-order-lifecycle-sink"))
        .map(f -> header(f, EventHeaders.ID))
        .toList();
  }

  private static String header(
      CapturedForward<? extends String, ? extends SpecificRecord> forward, String name) {
    return new String(forward.record().headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  @Test
  void commandsCarryTheSagaAndAStableCommandIdKeyedBySagaId() {
    send(order.toString(), placed(order, customer));
    CapturedForward<? extends String, ? extends SpecificRecord> forward =
        context.forwarded().stream()
            .filter(f -> f.childName().orElseThrow().equals("place-order-customer.commands-sink"))
            .findFirst()
            .orElseThrow();
    ReserveCredit command = (ReserveCredit) forward.record().value();
    assertThat(forward.record().key()).isEqualTo(order.toString());
    assertThat(command.getSagaId()).isEqualTo(order);
    assertThat(command.getCommandId().toString())
        .isEqualTo(SagaProcessor.commandId(order.toString(), "reserve-credit", false))
        .isEqualTo(saga().getCommandId());
    assertThat(
            new String(forward.record().headers().lastHeader("id").value(), StandardCharsets.UTF_8))
        .isEqualTo(command.getCommandId().toString());
  }

  @Test
  void commandsCarryTheTraceOfTheRecordThatSentThem() {
    processor.process(traced(order.toString(), placed(order, customer)));
    Record<?, ?> reserve = sentCommand();
    advance(STEP_TIMEOUT); // the deadline sends the compensation: no record's trace to carry
    Record<?, ?> release = sentCommand();

    assertThat(reserve.value()).isInstanceOf(ReserveCredit.class);
    assertThat(header(reserve, EventHeaders.TRACEPARENT)).isEqualTo(TRACE);
    assertThat(release.value()).isInstanceOf(ReleaseCredit.class);
    assertThat(release.headers().lastHeader(EventHeaders.TRACEPARENT)).isNull();
  }

  /** The one command forwarded since the forwards were last reset. */
  private Record<?, ?> sentCommand() {
    List<Record<?, ?>> sent = commandRecords();
    assertThat(sent).hasSize(1);
    return sent.get(0);
  }

  @Test
  void aFailedFirstStepCompensatesOnlyWhatCameBefore() {
    send(order.toString(), placed(order, customer));
    commands();
    send(order.toString(), creditRejected(order, customer));
    assertThat(commands()).singleElement().isInstanceOf(RejectOrder.class);
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPENSATING);
    assertThat(saga().getFailure()).contains("reserve-credit failed").contains("limit exceeded");
    send(order.toString(), rejected(order));
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPENSATED);
    assertThat(observer.ended).containsExactly(SagaStatus.COMPENSATED);
  }

  @Test
  void stockUnavailableReleasesTheCreditThenRejectsTheOrder() {
    send(order.toString(), placed(order, customer));
    send(order.toString(), creditReserved(order, customer));
    commands();
    send(order.toString(), stockUnavailable(order));
    assertThat(commands()).singleElement().isInstanceOf(ReleaseCredit.class);
    send(order.toString(), creditReleased(order, customer));
    assertThat(commands()).singleElement().isInstanceOf(RejectOrder.class);
    send(order.toString(), rejected(order));
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPENSATED);
    assertThat(observer.steps)
        .containsExactly("reserve-credit", "compensate reserve-credit", "compensate create-order");
  }

  @Test
  void aStepTimesOutWithNoReplyAndItsOwnCompensationRunsToo() {
    send(order.toString(), placed(order, customer));
    send(order.toString(), creditReserved(order, customer));
    commands();
    advance(STEP_TIMEOUT.minusMillis(1));
    assertThat(commands()).isEmpty();
    advance(Duration.ofMillis(1));

    // The inventory may still reserve late, so its reservation is released as well.
    assertThat(commands()).singleElement().isInstanceOf(ReleaseStock.class);
    assertThat(events()).contains("TIMED_OUT");
    assertThat(saga().getFailure()).isEqualTo("reserve-stock timed out");
    send(order.toString(), stockReleased(order));
    assertThat(commands()).singleElement().isInstanceOf(ReleaseCredit.class);
    send(order.toString(), creditReleased(order, customer));
    send(order.toString(), rejected(order));
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPENSATED);
  }

  @Test
  void aTaskRevivedWithTheSameProcessorCountsItsSagasOnce() {
    send(order.toString(), placed(order, customer));
    processor.close();
    processor.init(context);

    assertThat(observer.inFlight.get("0_0")).isEqualTo(1);
  }

  @Test
  void theInFlightCountIsToldAtEveryCheck() {
    send(order.toString(), placed(order, customer));
    // As for a rebuild's metrics, which take nothing until the switch makes it live.
    observer.inFlight.clear();

    advance(definition.timeoutCheckInterval());

    assertThat(observer.inFlight.get("0_0")).isEqualTo(1);
  }

  @Test
  void aTimeoutSurvivesARestart() {
    send(order.toString(), placed(order, customer));
    commands();
    restart();
    assertThat(observer.inFlight.get("0_0")).isEqualTo(1);
    advance(STEP_TIMEOUT);
    assertThat(commands()).singleElement().isInstanceOf(ReleaseCredit.class);
  }

  @Test
  void afterARestartDeadlinesWaitForTheRepliesThatCameMeanwhile() {
    send(order.toString(), placed(order, customer));
    commands();
    // Down for twice the step timeout; the credit was reserved meanwhile.
    context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + 2 * STEP_TIMEOUT.toMillis());
    restart();
    advance(Duration.ofSeconds(1));
    assertThat(commands()).isEmpty();
    send(order.toString(), creditReserved(order, customer));
    assertThat(commands()).singleElement().isInstanceOf(ReserveStock.class);
    assertThat(events()).doesNotContain("TIMED_OUT");
  }

  @Test
  void aReplyThatCameInTimeBehindABacklogIsReadBeforeTheDeadlineFires() {
    long placedAt = context.currentSystemTimeMs();
    send(order.toString(), placed(order, customer));
    commands();
    long replied = placedAt + 1_000;
    // Down for twice the step timeout, as orders and the reply came; then the backlog is read
    // oldest first, its records stamped before the deadline, while the clock is past it.
    context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + 2 * STEP_TIMEOUT.toMillis());
    restart();
    Duration reading = definition.startupGrace().multipliedBy(2);
    Duration readEach = definition.timeoutCheckInterval().dividedBy(2);
    for (int i = 0; i < reading.dividedBy(readEach); i++) {
      UUID other = UUID.randomUUID();
      replay(other.toString(), placed(other, UUID.randomUUID()), placedAt + i);
      advance(readEach);
    }
    assertThat(events()).doesNotContain("TIMED_OUT");
    replay(order.toString(), creditReserved(order, customer), replied);

    assertThat(commands()).filteredOn(ReserveStock.class::isInstance).hasSize(1);
    assertThat(events()).doesNotContain("TIMED_OUT");
  }

  @Test
  void aPauseWhileTheTaskReadsABacklogDoesNotLetTheClockFireItsDeadlines() {
    long placedAt = context.currentSystemTimeMs();
    send(order.toString(), placed(order, customer));
    commands();
    context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + 2 * STEP_TIMEOUT.toMillis());
    restart();
    // Part of the backlog, then a pause of many check intervals (a commit, a fetch, the thread's
    // other tasks) that outlasts the start-up grace, then the rest of it with the reply.
    for (int i = 0; i < 10; i++) {
      UUID other = UUID.randomUUID();
      replay(other.toString(), placed(other, UUID.randomUUID()), placedAt + i);
      advance(definition.timeoutCheckInterval());
    }
    for (int i = 0; i < 20; i++) {
      advance(definition.timeoutCheckInterval());
    }
    assertThat(events()).doesNotContain("TIMED_OUT");
    replay(order.toString(), creditReserved(order, customer), placedAt + 1_000);

    assertThat(commands()).filteredOn(ReserveStock.class::isInstance).hasSize(1);
    assertThat(events()).doesNotContain("TIMED_OUT");
  }

  @Test
  void aBacklogReadToItsEndLetsTheClockFireItsDeadlinesOnceTheTaskPausesLongerThanACatchUp() {
    long placedAt = context.currentSystemTimeMs();
    send(order.toString(), placed(order, customer));
    commands();
    context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + 2 * STEP_TIMEOUT.toMillis());
    restart();
    UUID other = UUID.randomUUID();
    replay(other.toString(), placed(other, UUID.randomUUID()), placedAt + 1);
    advance(SagaProcessor.BACKLOG_PAUSE.minus(definition.timeoutCheckInterval()));
    assertThat(events()).doesNotContain("TIMED_OUT");

    advance(definition.timeoutCheckInterval().multipliedBy(2));
    assertThat(events()).contains("TIMED_OUT");
  }

  @Test
  void aBacklogOfRecordsDroppedBeforeTheSagaHoldsItsDeadlinesBackToo() {
    long placedAt = context.currentSystemTimeMs();
    send(order.toString(), placed(order, customer));
    commands();
    context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + 2 * STEP_TIMEOUT.toMillis());
    restart();
    // The backlog ahead of the reply: events of other types, filtered out before the saga, and
    // duplicates, dropped; none reaches it, but the task's stream time moves with them.
    Duration reading = definition.startupGrace().multipliedBy(2);
    Duration readEach = definition.timeoutCheckInterval().dividedBy(2);
    for (int i = 0; i < reading.dividedBy(readEach); i++) {
      context.setCurrentStreamTimeMs(placedAt + i);
      advance(readEach);
    }
    assertThat(events()).doesNotContain("TIMED_OUT");
    replay(order.toString(), creditReserved(order, customer), placedAt + 1_000);

    assertThat(commands()).filteredOn(ReserveStock.class::isInstance).hasSize(1);
    assertThat(events()).doesNotContain("TIMED_OUT");
  }

  @Test
  void aSagaAtAStepTheDefinitionHasNoLongerThereIsRefusedNotMisrouted() {
    send(order.toString(), placed(order, customer));
    commands();
    // As a definition that had another step at that index stored it (one inserted before since).
    instances.put(
        order.toString(), SagaInstance.newBuilder(saga()).setStepName("check-fraud").build());

    assertThatThrownBy(() -> send(order.toString(), creditReserved(order, customer)))
        .hasMessageContaining("is at step 1 'check-fraud', which this definition has as")
        .hasMessageContaining("'reserve-credit'");
    advance(STEP_TIMEOUT.plus(definition.timeoutCheckInterval()));
    assertThat(commands()).isEmpty();
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.RUNNING);
    assertThat(events()).doesNotContain("TIMED_OUT");
  }

  @Test
  void aFailingCompensationIsRetriedWithBackoffThenDeadLetteredAndTheStepsBeforeItUndone() {
    send(order.toString(), placed(order, customer));
    commands();
    advance(STEP_TIMEOUT);
    assertThat(commands()).singleElement().isInstanceOf(ReleaseCredit.class);

    advance(STEP_TIMEOUT); // no reply: first retry after 1 s
    assertThat(commands()).isEmpty();
    advance(Duration.ofMillis(999));
    assertThat(commands()).isEmpty();
    advance(Duration.ofMillis(1));
    List<SpecificRecord> resent = commands();
    assertThat(resent).singleElement().isInstanceOf(ReleaseCredit.class);
    assertThat(((ReleaseCredit) resent.get(0)).getCommandId().toString())
        .isEqualTo(SagaProcessor.commandId(order.toString(), "reserve-credit", true));

    advance(STEP_TIMEOUT); // second retry after 2 s
    advance(Duration.ofSeconds(2));
    assertThat(commands()).singleElement().isInstanceOf(ReleaseCredit.class);
    assertThat(saga().getAttempt()).isEqualTo(COMPENSATION_ATTEMPTS);

    advance(STEP_TIMEOUT);
    // Given up on: dead-lettered, and the step before it is undone all the same.
    var deadLetter =
        context.forwarded().stream()
            .filter(f -> f.childName().orElseThrow().equals("place-order-dead-letter-sink"))
            .findFirst()
            .orElseThrow()
            .record();
    assertThat(commands()).singleElement().isInstanceOf(RejectOrder.class);
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPENSATING);
    assertThat(saga().getFailedCompensations()).containsExactly("reserve-credit");
    assertThat(observer.ended).isEmpty();
    send(order.toString(), rejected(order));

    assertThat(saga().getStatus()).isEqualTo(SagaStatus.FAILED_COMPENSATION);
    assertThat(saga().getDeadline()).isNull();
    assertThat(deadLetter.value()).isInstanceOf(ReleaseCredit.class);
    assertThat(header(deadLetter, "tideway.saga.id")).isEqualTo(order.toString());
    assertThat(header(deadLetter, "tideway.saga.step")).isEqualTo("reserve-credit");
    assertThat(header(deadLetter, "__streams.errors.message")).contains("after 3 attempts");
    // Where a re-drive sends it: the topic as the deployment named it.
    assertThat(header(deadLetter, Saga.DESTINATION_HEADER)).isEqualTo(RENAMED_CUSTOMER_COMMANDS);
    assertThat(observer.ended).containsExactly(SagaStatus.FAILED_COMPENSATION);
    assertThat(observer.timedOut)
        .containsExactly(
            "reserve-credit",
            "compensate reserve-credit",
            "compensate reserve-credit",
            "compensate reserve-credit");
    assertThat(observer.resent)
        .containsExactly("compensate reserve-credit", "compensate reserve-credit");
    assertThat(locks.get(order.toString()).getActive()).isNull();
  }

  /**
   * Places an order whose credit reservation times out, and whose credit release then times out
   * until its last attempt is sent.
   *
   * @return when the release's second attempt was sent
   */
  private long toTheLastCompensationAttempt() {
    send(order.toString(), placed(order, customer));
    advance(STEP_TIMEOUT);
    advance(STEP_TIMEOUT);
    advance(Duration.ofSeconds(1));
    long secondAttemptAt = context.currentSystemTimeMs();
    advance(STEP_TIMEOUT);
    advance(Duration.ofSeconds(2));
    assertThat(saga().getAttempt()).isEqualTo(COMPENSATION_ATTEMPTS);
    return secondAttemptAt;
  }

  @Test
  void aSendThatFailsWhenADeadlineFiresFailsTheTaskInsteadOfBeingPostponed() {
    toTheLastCompensationAttempt();
    failingSink = "place-order-dead-letter-sink";

    // The task fails, its transaction aborts, and the stores return to what was committed: a
    // deadline postponed here would be committed without the dead letter.
    assertThatThrownBy(() -> advance(STEP_TIMEOUT))
        .isInstanceOf(StreamsException.class)
        .hasMessageContaining("place-order-dead-letter-sink");
    assertThat(observer.failed).doesNotContain("deadline");
  }

  @Test
  void aCompensationReplyToAnEarlierAttemptStillCounts() {
    send(order.toString(), placed(order, customer));
    advance(STEP_TIMEOUT);
    advance(STEP_TIMEOUT); // waiting to resend ReleaseCredit
    commands();
    send(order.toString(), creditReleased(order, customer));
    assertThat(commands()).singleElement().isInstanceOf(RejectOrder.class);
  }

  @Test
  void aCompensationFailureIsRetriedWithBackoff() {
    send(order.toString(), placed(order, customer));
    advance(STEP_TIMEOUT);
    commands();
    send(order.toString(), creditRejected(order, customer));

    assertThat(events()).endsWith("COMPENSATION_FAILED", "RETRY_SCHEDULED");
    advance(Duration.ofSeconds(1));
    assertThat(commands()).singleElement().isInstanceOf(ReleaseCredit.class);
    assertThat(saga().getAttempt()).isEqualTo(2);
  }

  @Test
  void aFailureReplyToAnEarlierCompensationAttemptDoesNotGiveUpTheOneUnderWay() {
    long secondAttemptAt = toTheLastCompensationAttempt();
    commands();

    // The participant failed the second attempt; its reply comes after the last attempt went out.
    processor.process(
        new Record<>(order.toString(), creditRejected(order, customer), secondAttemptAt + 5));
    assertThat(observer.ignored).containsExactly(SagaProcessor.STALE_FAILURE);
    assertThat(saga().getFailedCompensations()).isEmpty();
    assertThat(commands()).isEmpty();

    send(order.toString(), creditReleased(order, customer));
    assertThat(commands()).singleElement().isInstanceOf(RejectOrder.class);
    assertThat(saga().getFailedCompensations()).isEmpty();
  }

  @Test
  void aFailureReplyToTheLastCompensationAttemptGivesTheCompensationUp() {
    toTheLastCompensationAttempt();
    commands();

    send(order.toString(), creditRejected(order, customer));
    assertThat(observer.ignored).isEmpty();
    assertThat(saga().getFailedCompensations()).containsExactly("reserve-credit");
    assertThat(commands()).singleElement().isInstanceOf(RejectOrder.class);
  }

  @Test
  void aRetriableStepIsResentNotCompensated() {
    send(order.toString(), placed(order, customer));
    send(order.toString(), creditReserved(order, customer));
    send(order.toString(), stockReserved(order));
    commands();
    advance(STEP_TIMEOUT);
    assertThat(commands()).isEmpty();
    advance(Duration.ofSeconds(1));
    List<SpecificRecord> resent = commands();
    assertThat(resent).singleElement().isInstanceOf(ApproveOrder.class);
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.RUNNING);
    assertThat(saga().getAttempt()).isEqualTo(2);
    assertThat(observer.timedOut).containsExactly("approve-order");
    assertThat(observer.resent).containsExactly("approve-order");
    send(order.toString(), approved(order));
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPLETED);
  }

  @Test
  void duplicateLateAndUnknownRepliesAreIgnoredAndCounted() {
    send(UUID.randomUUID().toString(), creditReserved(UUID.randomUUID(), customer));
    send(order.toString(), placed(order, customer));
    send(order.toString(), creditReserved(order, customer));
    commands();
    send(order.toString(), creditReserved(order, customer)); // duplicate
    send(order.toString(), approved(order)); // out of order: not the step waited for
    assertThat(commands()).isEmpty();
    assertThat(saga().getStepName()).isEqualTo("reserve-stock");
    send(order.toString(), stockReserved(order));
    send(order.toString(), approved(order));
    send(order.toString(), approved(order)); // after the end
    send(order.toString(), placed(order, customer)); // the same saga again

    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPLETED);
    assertThat(observer.ignored)
        .containsExactly(
            SagaProcessor.UNKNOWN_SAGA,
            SagaProcessor.WRONG_STEP,
            SagaProcessor.WRONG_STEP,
            SagaProcessor.AFTER_END,
            SagaProcessor.DUPLICATE_START);
  }

  @Test
  void theLockRejectsASecondSagaOfTheSameBusinessKey() {
    processor.close();
    start(LockPolicy.REJECT, true);
    UUID second = UUID.randomUUID();
    send(customer.toString(), placed(order, customer));
    commands();
    send(customer.toString(), placed(second, customer));

    assertThat(commands()).isEmpty();
    assertThat(instances.get(second.toString()).getStatus()).isEqualTo(SagaStatus.REJECTED);
    assertThat(observer.ended).containsExactly(SagaStatus.REJECTED);
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.RUNNING);
  }

  @Test
  void refusesAStartEventNotKeyedByItsBusinessKey() {
    processor.close();
    start(LockPolicy.QUEUE, true);

    // Keyed by order as the outbox keys it, locked per customer: the input needed re-keying.
    assertThatThrownBy(() -> send(order.toString(), placed(order, customer)))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("has business key " + customer)
        .hasMessageContaining("rekeyedInput");
    assertThat(instances.get(order.toString())).isNull();
  }

  @Test
  void theLockQueuesASecondSagaUntilTheFirstEnds() {
    processor.close();
    start(LockPolicy.QUEUE, true);
    UUID second = UUID.randomUUID();
    send(customer.toString(), placed(order, customer));
    send(customer.toString(), placed(second, customer));
    commands();
    assertThat(instances.get(second.toString()).getStatus()).isEqualTo(SagaStatus.QUEUED);

    send(customer.toString(), creditRejected(order, customer));
    send(customer.toString(), rejected(order));

    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPENSATED);
    assertThat(instances.get(second.toString()).getStatus()).isEqualTo(SagaStatus.RUNNING);
    List<SpecificRecord> commands = commands();
    assertThat(commands).hasSize(2);
    assertThat(((ReserveCredit) commands.get(1)).getOrderId()).isEqualTo(second);
    assertThat(locks.get(customer.toString()).getActive()).isEqualTo(second.toString());
  }

  @Test
  void theLockQueuesABoundedNumberOfSagasAndRejectsThoseBeyond() {
    processor.close();
    start(LockPolicy.QUEUE, true);
    send(customer.toString(), placed(order, customer));
    for (int i = 0; i < SagaProcessor.MAX_QUEUED; i++) {
      UUID waiting = UUID.randomUUID();
      send(customer.toString(), placed(waiting, customer));
    }
    UUID beyond = UUID.randomUUID();

    send(customer.toString(), placed(beyond, customer));

    assertThat(locks.get(customer.toString()).getQueued()).hasSize(SagaProcessor.MAX_QUEUED);
    assertThat(instances.get(beyond.toString()).getStatus()).isEqualTo(SagaStatus.REJECTED);
    assertThat(observer.ended).containsExactly(SagaStatus.REJECTED);
  }

  @Test
  void aQueuedSagaStartsWithoutTheTraceOfTheRecordThatEndedTheOneBefore() {
    processor.close();
    start(LockPolicy.QUEUE, true);
    UUID second = UUID.randomUUID();
    send(customer.toString(), placed(order, customer));
    send(customer.toString(), placed(second, customer));
    send(customer.toString(), creditRejected(order, customer));
    commands();
    processor.process(traced(customer.toString(), rejected(order)));

    Record<?, ?> first = sentCommand();
    assertThat(((ReserveCredit) first.value()).getOrderId()).isEqualTo(second);
    assertThat(first.headers().lastHeader(EventHeaders.TRACEPARENT)).isNull();
  }

  @Test
  void aLateReplyToAnEarlierSagaOfTheKeyDoesNotCountForTheRunningOne() {
    processor.close();
    start(LockPolicy.QUEUE, true);
    UUID second = UUID.randomUUID();
    send(customer.toString(), placed(order, customer));
    send(customer.toString(), placed(second, customer));
    send(customer.toString(), creditRejected(order, customer));
    send(customer.toString(), rejected(order));
    commands();
    observer.ignored.clear();

    // The first saga's participant answers again, late: the second waits at the same step.
    send(customer.toString(), creditRejected(order, customer));
    send(customer.toString(), creditReserved(UUID.randomUUID(), customer));

    SagaInstance running = instances.get(second.toString());
    assertThat(running.getStatus()).isEqualTo(SagaStatus.RUNNING);
    assertThat(running.getStepName()).isEqualTo("reserve-credit");
    assertThat(commands()).isEmpty();
    assertThat(observer.ignored)
        .containsExactly(SagaProcessor.AFTER_END, SagaProcessor.UNKNOWN_SAGA);
    send(customer.toString(), creditReserved(second, customer));
    assertThat(instances.get(second.toString()).getStepName()).isEqualTo("reserve-stock");
  }

  @Test
  void aSagaWithABusinessKeyOfItsOwnMustNameTheSagaOfEachReply() {
    assertThatThrownBy(
            () ->
                SagaDefinition.builder("per-customer", OrderPlaced.class)
                    .sagaId(OrderPlaced::getOrderId)
                    .businessKey(OrderPlaced::getCustomerId)
                    .input(Topics.ORDER_EVENTS)
                    .correlate(CustomerCreditReserved.class, CustomerCreditReserved::getCustomerId)
                    .step("reserve-credit")
                    .command(Topics.CUSTOMER_COMMANDS, (o, c) -> o)
                    .succeedsOn(CustomerCreditReserved.class)
                    .timeout(Duration.ofSeconds(5))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("CustomerCreditReserved")
        .hasMessageContaining("correlate(type, businessKey, sagaId)");
  }

  @Test
  void twoStepsCannotWaitForTheSameReplyType() {
    assertThatThrownBy(
            () ->
                SagaDefinition.builder("two-reservations", OrderPlaced.class)
                    .sagaId(OrderPlaced::getOrderId)
                    .input(Topics.ORDER_EVENTS)
                    .correlate(StockReserved.class, StockReserved::getOrderId)
                    .correlate(StockReleased.class, StockReleased::getOrderId)
                    .step("reserve-stock")
                    .command(Topics.INVENTORY_COMMANDS, (o, c) -> o)
                    .succeedsOn(StockReserved.class)
                    .compensation(Topics.INVENTORY_COMMANDS, (o, c) -> o)
                    .compensatedOn(StockReleased.class)
                    .step("reserve-gift-wrap")
                    .command(Topics.INVENTORY_COMMANDS, (o, c) -> o)
                    .succeedsOn(StockReserved.class)
                    .compensation(Topics.INVENTORY_COMMANDS, (o, c) -> o)
                    .compensatedOn(StockReleased.class)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("reply StockReserved is a reply of steps reserve-stock and")
        .hasMessageContaining("reserve-gift-wrap");
  }

  @Test
  void aRetriableStepCannotFail() {
    assertThatThrownBy(
            () ->
                SagaDefinition.builder("approve", OrderPlaced.class)
                    .sagaId(OrderPlaced::getOrderId)
                    .input(Topics.ORDER_EVENTS)
                    .correlate(OrderApproved.class, OrderApproved::getOrderId)
                    .correlate(OrderRejected.class, OrderRejected::getOrderId)
                    .step("approve-order")
                    .command(Topics.ORDER_COMMANDS, (o, c) -> o)
                    .succeedsOn(OrderApproved.class)
                    .failsOn(OrderRejected.class, OrderRejected::getReason)
                    .retriable()
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("step approve-order is retriable, so it cannot fail");
  }

  @Test
  void everyStepAfterARetriableOneIsRetriableToo() {
    assertThatThrownBy(() -> approveThenReserve(true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "step reserve-stock comes after retriable step approve-order, past the point of no"
                + " return, so it must be retriable too");
    // Without a compensation of its own, its timeout would still undo the steps before.
    assertThatThrownBy(() -> approveThenReserve(false))
        .hasMessageContaining("so it must be retriable too");
  }

  /** A retriable approval, then a stock reservation that is not retriable. */
  private static SagaDefinition<OrderPlaced> approveThenReserve(boolean reservationCompensated) {
    var reservation =
        SagaDefinition.builder("approve-then-reserve", OrderPlaced.class)
            .sagaId(OrderPlaced::getOrderId)
            .input(Topics.ORDER_EVENTS)
            .correlate(OrderApproved.class, OrderApproved::getOrderId)
            .correlate(StockReserved.class, StockReserved::getOrderId)
            .correlate(StockReleased.class, StockReleased::getOrderId)
            .step("approve-order")
            .command(Topics.ORDER_COMMANDS, (o, c) -> o)
            .succeedsOn(OrderApproved.class)
            .retriable()
            .step("reserve-stock")
            .command(Topics.INVENTORY_COMMANDS, (o, c) -> o)
            .succeedsOn(StockReserved.class);
    return reservationCompensated
        ? reservation
            .compensation(Topics.INVENTORY_COMMANDS, (o, c) -> o)
            .compensatedOn(StockReleased.class)
            .build()
        : reservation.build();
  }

  @Test
  void endedSagasAreForgottenAfterTheirRetention() {
    send(order.toString(), placed(order, customer));
    send(order.toString(), creditRejected(order, customer));
    send(order.toString(), rejected(order));
    context.setCurrentSystemTimeMs(T0 + Duration.ofDays(8).toMillis());
    sweep();
    assertThat(saga()).isNull();
    assertThat(locks.get(order.toString())).isNull();
  }

  @Test
  void eachSweepReadsASliceOfTheSagasAndTheNextGoesOnFromThere() {
    send(order.toString(), placed(order, customer));
    send(order.toString(), creditRejected(order, customer));
    send(order.toString(), rejected(order));
    SagaInstance ended = saga();
    for (int i = 0; i < SagaProcessor.SWEEP_SLICE + 99; i++) {
      String id = UUID.randomUUID().toString();
      instances.put(id, SagaInstance.newBuilder(ended).setSagaId(id).build());
    }
    context.setCurrentSystemTimeMs(T0 + Duration.ofDays(8).toMillis());

    sweep();
    assertThat(count(instances)).isEqualTo(100);
    sweep();
    assertThat(count(instances)).isZero();
  }

  @Test
  void eachCheckActsOnASliceOfTheDueDeadlinesAndTheNextOnTheRest() {
    int sagas = SagaProcessor.DEADLINE_SLICE + 7;
    for (int i = 0; i < sagas; i++) {
      UUID each = UUID.randomUUID();
      send(each.toString(), placed(each, UUID.randomUUID()));
    }
    commands();

    advance(STEP_TIMEOUT.plus(definition.timeoutCheckInterval()));
    assertThat(commands()).hasSize(SagaProcessor.DEADLINE_SLICE);
    advance(definition.timeoutCheckInterval());
    assertThat(commands()).hasSize(7);
  }

  private static long count(KeyValueStore<String, SagaInstance> store) {
    try (var all = store.all()) {
      long n = 0;
      for (; all.hasNext(); all.next()) {
        n++;
      }
      return n;
    }
  }

  @Test
  void aRebuildForgetsEndedSagasAfterTheirRetentionInTheRecordsTime() {
    live = false;
    context.setCurrentSystemTimeMs(T0 + Duration.ofDays(30).toMillis());
    replay(order.toString(), placed(order, customer), T0);
    replay(order.toString(), creditRejected(order, customer), T0 + 1_000);
    replay(order.toString(), rejected(order), T0 + 2_000);
    // Ended a month before the clock, but not a week before the records replayed so far.
    sweep();
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPENSATED);

    UUID later = UUID.randomUUID();
    replay(later.toString(), placed(later, customer), T0 + Duration.ofDays(8).toMillis());
    sweep();
    assertThat(saga()).isNull();
  }

  /** Runs the punctuator that forgets ended sagas. */
  private void sweep() {
    context.scheduledPunctuators().stream()
        .filter(p -> !p.getInterval().equals(definition.timeoutCheckInterval()))
        .forEach(p -> p.getPunctuator().punctuate(context.currentSystemTimeMs()));
  }

  @Test
  void aDeadlineThatCannotBeActedOnWaitsAndTheDeadlinesBehindItFire() {
    UUID poisoned = UUID.randomUUID();
    send(poisoned.toString(), placed(poisoned, customer, UNRELEASABLE));
    send(order.toString(), placed(order, customer));
    commands();

    advance(STEP_TIMEOUT); // both time out; the poisoned saga's compensation cannot be made
    assertThat(published(poisoned)).as("nothing of the failed attempt").isEmpty();
    assertThat(published(order)).containsExactly("TIMED_OUT", "COMPENSATION_SENT");
    assertThat(commands()).singleElement().isInstanceOf(ReleaseCredit.class);
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPENSATING);
    SagaInstance stuck = instances.get(poisoned.toString());
    assertThat(stuck.getStatus()).isEqualTo(SagaStatus.RUNNING);
    assertThat(stuck.getStepName()).isEqualTo("reserve-credit");
    // It tries again after the longest backoff (4 s here), as it was before the attempt.
    assertThat(stuck.getDeadline().toEpochMilli()).isEqualTo(context.currentSystemTimeMs() + 4_000);
    assertThat(observer.failed).containsExactly("deadline");
    // Only the timeout acted on counts: the other is counted when its action succeeds.
    assertThat(observer.timedOut).containsExactly("reserve-credit");
  }

  @Test
  void aSagaThatCannotStartLeavesNoLockBehind() {
    processor.close();
    start(LockPolicy.QUEUE, true);
    UUID poisoned = UUID.randomUUID();
    // Its start event fails, and goes to the dead-letter topic to be re-driven once fixed.
    assertThatThrownBy(() -> send(customer.toString(), placed(poisoned, customer, UNRESERVABLE)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(instances.get(poisoned.toString())).isNull();
    assertThat(locks.get(customer.toString())).isNull();
    assertThat(published(poisoned)).isEmpty();
    assertThat(observer.failed).containsExactly("start");
    assertThat(observer.inFlight.get("0_0")).isZero();
    assertThat(observer.started).hasValue(0);

    send(customer.toString(), placed(order, customer));
    assertThat(saga().getStatus()).isEqualTo(SagaStatus.RUNNING);
    assertThat(commands()).singleElement().isInstanceOf(ReserveCredit.class);
  }

  @Test
  void aCommandWithoutARequiredFieldFailsTheActionBeforeTheSagaMovesOn() {
    UUID incomplete = UUID.randomUUID();

    assertThatThrownBy(() -> send(incomplete.toString(), placed(incomplete, customer, INCOMPLETE)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "place-order: step reserve-credit made a command ReserveCredit for saga "
                + incomplete
                + " without its required field customerId");
    assertThat(instances.get(incomplete.toString())).isNull();
    assertThat(commands()).isEmpty();
  }

  @Test
  void aQueuedSagaThatCannotStartIsRejectedAndTheNextOneRuns() {
    processor.close();
    start(LockPolicy.QUEUE, true);
    UUID poisoned = UUID.randomUUID();
    UUID third = UUID.randomUUID();
    send(customer.toString(), placed(order, customer));
    send(customer.toString(), placed(poisoned, customer, UNRESERVABLE));
    send(customer.toString(), placed(third, customer));
    commands();

    send(customer.toString(), creditRejected(order, customer));
    send(customer.toString(), rejected(order));

    assertThat(saga().getStatus()).isEqualTo(SagaStatus.COMPENSATED);
    SagaInstance refused = instances.get(poisoned.toString());
    assertThat(refused.getStatus()).isEqualTo(SagaStatus.REJECTED);
    assertThat(published(poisoned)).containsExactly("REJECTED");
    assertThat(refused.getFailure()).contains("could not start");
    assertThat(instances.get(third.toString()).getStatus()).isEqualTo(SagaStatus.RUNNING);
    assertThat(locks.get(customer.toString()).getActive()).isEqualTo(third.toString());
    assertThat(observer.failed).containsExactly("start");
  }

  @Test
  void theHistoryOfAStepRetriedForLongStaysBounded() {
    send(order.toString(), placed(order, customer));
    send(order.toString(), creditReserved(order, customer));
    send(order.toString(), stockReserved(order));
    for (int i = 0; i < 60; i++) {
      advance(STEP_TIMEOUT); // approve-order times out: a resend is scheduled
      advance(Duration.ofSeconds(4)); // and sent
    }
    assertThat(saga().getAttempt()).isEqualTo(61);
    assertThat(events()).hasSize(SagaProcessor.MAX_HISTORY);
    assertThat(events().get(0)).isEqualTo("STARTED");
    assertThat(events().get(SagaProcessor.MAX_HISTORY - 1)).isEqualTo("COMMAND_SENT");
  }

  @Test
  void aRecordWithoutKeyIsRefused() {
    assertThatThrownBy(() -> send(null, creditReserved(order, customer)))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("no key");
  }

  private static String header(Record<?, ?> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  /** Records what the processor reports. */
  private static final class RecordingObserver implements SagaObserver {
    final AtomicInteger started = new AtomicInteger();
    final List<SagaStatus> ended = new ArrayList<>();
    final List<String> steps = new ArrayList<>();
    final List<String> ignored = new ArrayList<>();
    final Map<String, Integer> inFlight = new ConcurrentHashMap<>();
    final List<String> failed = new ArrayList<>();
    final List<String> timedOut = new ArrayList<>();
    final List<String> resent = new ArrayList<>();

    @Override
    public void started(String saga) {
      started.incrementAndGet();
    }

    @Override
    public void ended(String saga, SagaStatus status) {
      ended.add(status);
    }

    @Override
    public void stepEnded(String saga, String step, boolean compensation, Duration latency) {
      steps.add(compensation ? "compensate " + step : step);
    }

    @Override
    public void timedOut(String saga, String step, boolean compensation) {
      timedOut.add(compensation ? "compensate " + step : step);
    }

    @Override
    public void resent(String saga, String step, boolean compensation) {
      resent.add(compensation ? "compensate " + step : step);
    }

    @Override
    public void ignored(String saga, String reason) {
      ignored.add(reason);
    }

    @Override
    public void inFlight(String saga, String task, int count) {
      inFlight.put(task, count);
    }

    @Override
    public void failed(String saga, String action) {
      failed.add(action);
    }
  }
}
