package io.tideway.topology.saga;

import io.tideway.topics.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;

/**
 * A saga: ordered steps, each with a command sent to a participant's topic, the replies that mean
 * success or failure, a compensation that undoes it, and a timeout. {@link Saga} runs it.
 *
 * <pre>{@code
 * SagaDefinition<OrderPlaced> placeOrder =
 *     SagaDefinition.builder("place-order", OrderPlaced.class)
 *         .sagaId(OrderPlaced::getOrderId)
 *         .input(Topics.ORDER_EVENTS)
 *         .rekeyedInput(Topics.CUSTOMER_EVENTS)
 *         .correlate(CustomerCreditReserved.class, CustomerCreditReserved::getOrderId)
 *         .correlate(CustomerCreditRejected.class, CustomerCreditRejected::getOrderId)
 *         .step("reserve-credit")
 *             .command(Topics.CUSTOMER_COMMANDS, (order, c) -> new ReserveCredit(...))
 *             .succeedsOn(CustomerCreditReserved.class)
 *             .failsOn(CustomerCreditRejected.class, CustomerCreditRejected::getReason)
 *             .compensation(Topics.CUSTOMER_COMMANDS, (order, c) -> new ReleaseCredit(...))
 *             .compensatedOn(CustomerCreditReleased.class)
 *             .timeout(Duration.ofSeconds(10))
 *         .step(...)
 *         .build();
 * }</pre>
 *
 * <p>How it runs:
 *
 * <ul>
 *   <li>A saga starts on an event of the start type. Steps run in order; a step without a command
 *       (one whose action the starting event already was) only has a compensation.
 *   <li>A failure reply starts compensation with the step before the failed one: the failed step
 *       did nothing. A timeout starts it with the step that timed out, whose participant may still
 *       act late: its compensation is sent too, and a participant handles the compensation of
 *       something it never did as a no-op.
 *   <li>A {@linkplain StepBuilder#retriable() retriable} step (one past the point of no return) is
 *       never compensated: on a timeout its command is resent, with backoff, until it succeeds. It
 *       has no failure reply, and the steps after it are retriable too.
 *   <li>A compensation that fails or times out is resent with a doubling backoff; after {@link
 *       Builder#compensationAttempts} attempts it goes to the dead-letter topic for an operator,
 *       the steps before it are compensated all the same, and the saga ends in {@code
 *       FAILED_COMPENSATION}.
 *   <li>Commands are keyed by saga id. Every resend of a command carries the same command id.
 * </ul>
 *
 * @param <D> the type of the event that starts a saga, kept as the saga's data
 */
public final class SagaDefinition<D extends SpecificRecord> {

  /** A topic the saga reads, and whether its records must be re-keyed by business key. */
  record Input(Topic<String, SpecificRecord> topic, boolean rekeyed) {}

  /** What a reply means to the step that waits for it. */
  record Outcome(boolean success, Function<Object, String> reason) {}

  /** One step, as built. */
  record Step<D>(
      String name,
      Topic<String, SpecificRecord> commandTopic,
      CommandFactory<D> command,
      Map<Class<?>, Outcome> replies,
      Topic<String, SpecificRecord> compensationTopic,
      CommandFactory<D> compensation,
      Map<Class<?>, Outcome> compensationReplies,
      Duration timeout,
      boolean retriable) {

    boolean hasCommand() {
      return command != null;
    }

    boolean hasCompensation() {
      return compensation != null;
    }
  }

  private final String name;
  private final Class<D> startType;
  private final Function<D, ?> sagaId;
  private final Function<D, ?> businessKey;
  private final LockPolicy lockPolicy;
  private final List<Input> inputs;
  private final Map<Class<?>, Function<Object, ?>> correlations;
  private final Map<Class<?>, Function<Object, ?>> replySagaIds;
  private final List<Step<D>> steps;
  private final int compensationAttempts;
  private final Duration retryBackoff;
  private final Duration maxRetryBackoff;
  private final Duration retention;
  private final Duration timeoutCheckInterval;
  private final Duration startupGrace;

  private SagaDefinition(Builder<D> b) {
    this.name = b.name;
    this.startType = b.startType;
    this.sagaId = b.sagaId;
    this.businessKey = b.businessKey;
    this.lockPolicy = b.lockPolicy;
    this.inputs = List.copyOf(b.inputs);
    this.correlations = Map.copyOf(b.correlations);
    // With no business key of its own, a saga's key is its id: a reply's key names its saga.
    this.replySagaIds = Map.copyOf(b.businessKey == b.sagaId ? b.correlations : b.replySagaIds);
    this.steps = List.copyOf(b.steps);
    this.compensationAttempts = b.compensationAttempts;
    this.retryBackoff = b.retryBackoff;
    this.maxRetryBackoff = b.maxRetryBackoff;
    this.retention = b.retention;
    this.timeoutCheckInterval = b.timeoutCheckInterval;
    this.startupGrace = b.startupGrace;
  }

  /**
   * Starts a definition.
   *
   * @param name the saga's name: names its stores, processor and lifecycle topic
   * @param startType the event that starts a saga
   */
  public static <D extends SpecificRecord> Builder<D> builder(String name, Class<D> startType) {
    return new Builder<>(name, startType);
  }

  /** The saga's name. */
  public String name() {
    return name;
  }

  /** The event that starts a saga. */
  public Class<D> startType() {
    return startType;
  }

  /** The topics the saga reads. */
  public List<Topic<String, SpecificRecord>> inputTopics() {
    return inputs.stream().map(Input::topic).toList();
  }

  /** The topics the saga sends commands to. */
  public Set<Topic<String, SpecificRecord>> commandTopics() {
    Set<Topic<String, SpecificRecord>> topics = new HashSet<>();
    for (Step<D> step : steps) {
      if (step.hasCommand()) {
        topics.add(step.commandTopic());
      }
      if (step.hasCompensation()) {
        topics.add(step.compensationTopic());
      }
    }
    return topics;
  }

  /** The names of the steps, in order. */
  public List<String> stepNames() {
    return steps.stream().map(Step::name).toList();
  }

  String sagaId(D start) {
    return String.valueOf(sagaId.apply(start));
  }

  String businessKey(D start) {
    return String.valueOf(businessKey.apply(start));
  }

  LockPolicy lockPolicy() {
    return lockPolicy;
  }

  List<Input> inputs() {
    return inputs;
  }

  /** Whether the saga acts on records of this type. */
  boolean handles(Object value) {
    return value != null
        && (startType.isInstance(value) || correlations.containsKey(value.getClass()));
  }

  /** The id of the saga a reply answers. */
  String sagaIdOf(Object reply) {
    return String.valueOf(replySagaIds.get(reply.getClass()).apply(reply));
  }

  /** The business key a start or reply belongs to. */
  @SuppressWarnings("unchecked")
  String keyOf(Object value) {
    if (startType.isInstance(value)) {
      return businessKey((D) value);
    }
    return String.valueOf(correlations.get(value.getClass()).apply(value));
  }

  List<Step<D>> steps() {
    return steps;
  }

  int compensationAttempts() {
    return compensationAttempts;
  }

  /** The wait before resend number {@code attempt + 1}: doubling from the initial backoff. */
  Duration backoff(int attempt) {
    long factor = 1L << Math.min(Math.max(attempt - 1, 0), 20);
    Duration backoff = retryBackoff.multipliedBy(factor);
    return backoff.compareTo(maxRetryBackoff) > 0 ? maxRetryBackoff : backoff;
  }

  Duration retention() {
    return retention;
  }

  Duration timeoutCheckInterval() {
    return timeoutCheckInterval;
  }

  Duration startupGrace() {
    return startupGrace;
  }

  /**
   * Builds a {@link SagaDefinition}: the saga's identity and inputs first, then its steps in order.
   *
   * @param <D> the type of the event that starts a saga
   */
  public static final class Builder<D extends SpecificRecord> {

    private final String name;
    private final Class<D> startType;
    private Function<D, ?> sagaId;
    private Function<D, ?> businessKey;
    private LockPolicy lockPolicy = LockPolicy.REJECT;
    private final List<Input> inputs = new ArrayList<>();
    private final Map<Class<?>, Function<Object, ?>> correlations = new LinkedHashMap<>();
    private final Map<Class<?>, Function<Object, ?>> replySagaIds = new LinkedHashMap<>();
    private final List<Step<D>> steps = new ArrayList<>();
    private int compensationAttempts = 10;
    private Duration retryBackoff = Duration.ofSeconds(1);
    private Duration maxRetryBackoff = Duration.ofSeconds(30);
    private Duration retention = Duration.ofDays(7);
    private Duration timeoutCheckInterval = Duration.ofMillis(250);
    private Duration startupGrace = Duration.ofSeconds(5);

    private Builder(String name, Class<D> startType) {
      if (name == null || !name.matches("[a-z0-9][a-z0-9-]*")) {
        throw new IllegalArgumentException(
            "A saga's name is lower case letters, digits and '-' (it names stores and topics), not "
                + name);
      }
      this.name = name;
      this.startType = Objects.requireNonNull(startType, "startType");
    }

    /** The saga id of the saga a start event begins, e.g. the order id; unique per saga. */
    public Builder<D> sagaId(Function<D, ?> sagaId) {
      this.sagaId = Objects.requireNonNull(sagaId, "sagaId");
      return this;
    }

    /**
     * The business key of a start event: one saga runs at a time per key, and a reply goes to the
     * saga that runs for its key, if it is the saga the reply names. Defaults to the saga id. A
     * saga with a business key of its own needs the saga id of every reply type, {@link
     * #correlate(Class, Function, Function)}: a late reply to an earlier saga of the same key must
     * not be taken for the running one's. Leave it unset when it is the saga id: it counts as a key
     * of its own whenever it is set.
     */
    public Builder<D> businessKey(Function<D, ?> businessKey) {
      this.businessKey = Objects.requireNonNull(businessKey, "businessKey");
      return this;
    }

    /** What happens to a saga that starts while one of its business key runs; REJECT unless set. */
    public Builder<D> lockPolicy(LockPolicy lockPolicy) {
      this.lockPolicy = Objects.requireNonNull(lockPolicy, "lockPolicy");
      return this;
    }

    /** A topic of starts or replies already keyed by the business key. */
    public Builder<D> input(Topic<String, SpecificRecord> topic) {
      inputs.add(new Input(Objects.requireNonNull(topic, "topic"), false));
      return this;
    }

    /**
     * A topic of replies keyed otherwise (e.g. by customer id), re-keyed by business key through a
     * repartition topic {@code <saga>-<topic>-by-key}.
     */
    public Builder<D> rekeyedInput(Topic<String, SpecificRecord> topic) {
      inputs.add(new Input(Objects.requireNonNull(topic, "topic"), true));
      return this;
    }

    /**
     * How to find the business key in a reply of this type; every reply type needs one. For a saga
     * whose business key is its saga id; otherwise see {@link #correlate(Class, Function,
     * Function)}.
     */
    @SuppressWarnings("unchecked")
    public <R> Builder<D> correlate(Class<R> replyType, Function<R, ?> businessKey) {
      Objects.requireNonNull(businessKey, "businessKey");
      correlations.put(replyType, value -> businessKey.apply((R) value));
      return this;
    }

    /**
     * How to find the business key and the saga id in a reply of this type, for a saga with a
     * business key of its own: the reply counts only for the saga it names.
     */
    @SuppressWarnings("unchecked")
    public <R> Builder<D> correlate(
        Class<R> replyType, Function<R, ?> businessKey, Function<R, ?> sagaId) {
      Objects.requireNonNull(sagaId, "sagaId");
      correlate(replyType, businessKey);
      replySagaIds.put(replyType, value -> sagaId.apply((R) value));
      return this;
    }

    /** Attempts of a compensation before it is dead-lettered and given up on; 10 unless set. */
    public Builder<D> compensationAttempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("Compensation attempts must be at least 1");
      }
      this.compensationAttempts = attempts;
      return this;
    }

    /** The wait before the first resend, doubling each time up to {@code max}; 1 s and 30 s. */
    public Builder<D> retryBackoff(Duration initial, Duration max) {
      if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("Backoff must be positive and max at least initial");
      }
      this.retryBackoff = initial;
      this.maxRetryBackoff = max;
      return this;
    }

    /** How long an ended saga stays inspectable; 7 days unless set. */
    public Builder<D> retention(Duration retention) {
      if (retention.isNegative() || retention.isZero()) {
        throw new IllegalArgumentException("Retention must be positive");
      }
      this.retention = retention;
      return this;
    }

    /**
     * How often deadlines are checked (wall-clock time) while the saga is live; 250 ms unless set.
     * While a rebuild replays history they are checked before every record instead.
     */
    public Builder<D> timeoutCheckInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("The timeout check interval must be positive");
      }
      this.timeoutCheckInterval = interval;
      return this;
    }

    /**
     * How long after a task starts (a restart, a rebalance) its deadlines wait before they fire; 5
     * s unless set. Deadlines are wall-clock time: those that passed while the saga runtime was
     * down would otherwise fire before the replies that came meanwhile are read.
     */
    public Builder<D> startupGrace(Duration grace) {
      if (grace.isNegative()) {
        throw new IllegalArgumentException("The startup grace must not be negative");
      }
      this.startupGrace = grace;
      return this;
    }

    /** Begins the next step. */
    public StepBuilder<D> step(String stepName) {
      return new StepBuilder<>(this, stepName);
    }

    private SagaDefinition<D> build() {
      if (sagaId == null) {
        throw new IllegalStateException(name + ": no sagaId function");
      }
      if (businessKey == null) {
        businessKey = sagaId;
      }
      if (inputs.isEmpty()) {
        throw new IllegalStateException(name + ": no input topic");
      }
      Set<String> names = new HashSet<>();
      Map<Class<?>, String> replyingStep = new HashMap<>();
      for (Step<D> step : steps) {
        if (!names.add(step.name())) {
          throw new IllegalStateException(name + ": two steps are named " + step.name());
        }
        for (Class<?> reply : replyTypes(step)) {
          // A reply is matched to the step waiting by its type alone: one that two steps wait for
          // would count for whichever step the saga is at, a late or repeated one for the wrong.
          String other = replyingStep.putIfAbsent(reply, step.name());
          if (other != null) {
            throw new IllegalStateException(
                name
                    + ": reply "
                    + reply.getSimpleName()
                    + " is a reply of steps "
                    + other
                    + " and "
                    + step.name()
                    + "; replies are told apart by their type, so each step needs its own");
          }
          if (!correlations.containsKey(reply)) {
            throw new IllegalStateException(
                name
                    + ": reply "
                    + reply.getSimpleName()
                    + " of step "
                    + step.name()
                    + " has no correlate(...) to find its business key");
          }
        }
      }
      if (businessKey != sagaId) {
        for (Class<?> reply : correlations.keySet()) {
          if (!replySagaIds.containsKey(reply)) {
            throw new IllegalStateException(
                name
                    + ": reply "
                    + reply.getSimpleName()
                    + " needs correlate(type, businessKey, sagaId): with a business key of its"
                    + " own, a late reply to an earlier saga of the key would count for the"
                    + " running one");
          }
        }
      }
      if (steps.stream().noneMatch(Step::hasCommand)) {
        throw new IllegalStateException(name + ": no step sends a command");
      }
      return new SagaDefinition<>(this);
    }

    private static Set<Class<?>> replyTypes(Step<?> step) {
      Set<Class<?>> types = new HashSet<>(step.replies().keySet());
      types.addAll(step.compensationReplies().keySet());
      return types;
    }
  }

  /**
   * Builds one step.
   *
   * @param <D> the type of the event that starts a saga
   */
  public static final class StepBuilder<D extends SpecificRecord> {

    private final Builder<D> saga;
    private final String name;
    private Topic<String, SpecificRecord> commandTopic;
    private CommandFactory<D> command;
    private final Map<Class<?>, Outcome> replies = new LinkedHashMap<>();
    private Topic<String, SpecificRecord> compensationTopic;
    private CommandFactory<D> compensation;
    private final Map<Class<?>, Outcome> compensationReplies = new LinkedHashMap<>();
    private Duration timeout = Duration.ofSeconds(30);
    private boolean retriable;

    private StepBuilder(Builder<D> saga, String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("A step needs a name");
      }
      this.saga = saga;
      this.name = name;
    }

    /** The command the step sends, to a participant's topic. */
    public StepBuilder<D> command(Topic<String, SpecificRecord> topic, CommandFactory<D> factory) {
      this.commandTopic = Objects.requireNonNull(topic, "topic");
      this.command = Objects.requireNonNull(factory, "factory");
      return this;
    }

    /** A reply that means the command succeeded. */
    public StepBuilder<D> succeedsOn(Class<?> replyType) {
      replies.put(replyType, new Outcome(true, null));
      return this;
    }

    /** A reply that means the command failed, and why, for the saga's history. */
    @SuppressWarnings("unchecked")
    public <R> StepBuilder<D> failsOn(Class<R> replyType, Function<R, ?> reason) {
      replies.put(replyType, new Outcome(false, value -> String.valueOf(reason.apply((R) value))));
      return this;
    }

    /** The command that undoes the step. */
    public StepBuilder<D> compensation(
        Topic<String, SpecificRecord> topic, CommandFactory<D> factory) {
      this.compensationTopic = Objects.requireNonNull(topic, "topic");
      this.compensation = Objects.requireNonNull(factory, "factory");
      return this;
    }

    /** A reply that means the compensation is done. */
    public StepBuilder<D> compensatedOn(Class<?> replyType) {
      compensationReplies.put(replyType, new Outcome(true, null));
      return this;
    }

    /** A reply that means the compensation failed: it is retried. */
    @SuppressWarnings("unchecked")
    public <R> StepBuilder<D> compensationFailsOn(Class<R> replyType, Function<R, ?> reason) {
      compensationReplies.put(
          replyType, new Outcome(false, value -> String.valueOf(reason.apply((R) value))));
      return this;
    }

    /** How long to wait for a reply, to the command or to the compensation; 30 s unless set. */
    public StepBuilder<D> timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("A step's timeout must be positive");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Marks the step as past the point of no return: on a timeout its command is resent with
     * backoff until it succeeds, instead of compensating. Such a step has no {@link #failsOn}
     * reply, and the steps after it are retriable too.
     */
    public StepBuilder<D> retriable() {
      this.retriable = true;
      return this;
    }

    /** Ends this step and begins the next. */
    public StepBuilder<D> step(String stepName) {
      return end().step(stepName);
    }

    /** Ends this step and the definition. */
    public SagaDefinition<D> build() {
      return end().build();
    }

    private Builder<D> end() {
      if (command != null && replies.values().stream().noneMatch(Outcome::success)) {
        throw new IllegalStateException(
            saga.name + ": step " + name + " sends a command but no reply means success");
      }
      if (command == null && !replies.isEmpty()) {
        throw new IllegalStateException(
            saga.name + ": step " + name + " has replies but sends no command");
      }
      if (compensation != null
          && compensationReplies.values().stream().noneMatch(Outcome::success)) {
        throw new IllegalStateException(
            saga.name + ": step " + name + " has a compensation but no reply means it is done");
      }
      if (command == null && compensation == null) {
        throw new IllegalStateException(
            saga.name + ": step " + name + " has neither a command nor a compensation");
      }
      if (retriable && compensation != null) {
        throw new IllegalStateException(
            saga.name + ": step " + name + " is retriable, so it is never compensated");
      }
      if (retriable && replies.values().stream().anyMatch(outcome -> !outcome.success())) {
        throw new IllegalStateException(
            saga.name
                + ": step "
                + name
                + " is retriable, so it cannot fail: a failure would undo the steps before the"
                + " point of no return");
      }
      for (Step<D> earlier : saga.steps) {
        if (earlier.retriable() && !retriable) {
          // Its failure or timeout would compensate the steps before the point of no return.
          throw new IllegalStateException(
              saga.name
                  + ": step "
                  + name
                  + " comes after retriable step "
                  + earlier.name()
                  + ", past the point of no return, so it must be retriable too");
        }
      }
      saga.steps.add(
          new Step<>(
              name,
              commandTopic,
              command,
              Map.copyOf(replies),
              compensationTopic,
              compensation,
              Map.copyOf(compensationReplies),
              timeout,
              retriable));
      return saga;
    }
  }
}
