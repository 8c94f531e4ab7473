package io.tideway.topology.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.tideway.topology.SideEffects;
import io.tideway.topology.saga.SagaObserver;
import io.tideway.topology.saga.SagaStatus;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sagas of one deployment as Micrometer meters, tagged with the deployment and the saga: {@code
 * tideway.saga.started}, {@code tideway.saga.ended{status}} (completed, compensated,
 * failed_compensation, rejected), {@code tideway.saga.step.latency{step,compensation}} as a
 * histogram, {@code tideway.saga.step.timeouts{step,compensation}}, {@code
 * tideway.saga.step.resends{step,compensation}}, {@code tideway.saga.ignored{reason}}, {@code
 * tideway.saga.failures{action}} and the gauge {@code tideway.saga.in.flight}.
 */
final class SagaMeters implements SagaObserver {

  private final String deployment;
  private final MeterRegistry meters;
  private final SideEffects live;

  /**
   * In-flight sagas per {@code <deployment>/<saga>}, per task: tasks come and go with rebalances.
   * The runtime's, not this object's: a gauge is registered once, and a redeployed or rebuilt
   * deployment's meters must update what it reads.
   */
  private final Map<String, Map<String, Integer>> inFlight;

  /** The {@code <saga>/<task>}s this version counted while live. */
  private final Set<String> countedLive = ConcurrentHashMap.newKeySet();

  /**
   * @param live whether the deployment acts now: a rebuild's replay is not counted again
   * @param inFlight the runtime's in-flight counts, shared by every version of every deployment
   */
  SagaMeters(
      String deployment,
      MeterRegistry meters,
      SideEffects live,
      Map<String, Map<String, Integer>> inFlight) {
    this.live = live;
    this.inFlight = inFlight;
    this.deployment = deployment;
    this.meters = meters;
  }

  @Override
  public void started(String saga) {
    if (!live.live()) {
      return;
    }
    counter("tideway.saga.started", "Sagas started", saga).increment();
  }

  @Override
  public void ended(String saga, SagaStatus status) {
    if (!live.live()) {
      return;
    }
    Counter.builder("tideway.saga.ended")
        .description("Sagas ended, by final status")
        .tags("deployment", deployment, "saga", saga, "status", status.name().toLowerCase())
        .register(meters)
        .increment();
  }

  @Override
  public void stepEnded(String saga, String step, boolean compensation, Duration latency) {
    if (!live.live()) {
      return;
    }
    Timer.builder("tideway.saga.step.latency")
        .description("From a step's first command (or compensation) to the reply that ends it")
        .tags(stepTags(saga, step, compensation))
        .publishPercentileHistogram()
        .register(meters)
        .record(latency);
  }

  @Override
  public void timedOut(String saga, String step, boolean compensation) {
    if (!live.live()) {
      return;
    }
    stepCounter(
            "tideway.saga.step.timeouts",
            "Commands and compensations that got no reply within their step's timeout",
            saga,
            step,
            compensation)
        .increment();
  }

  @Override
  public void resent(String saga, String step, boolean compensation) {
    if (!live.live()) {
      return;
    }
    stepCounter(
            "tideway.saga.step.resends",
            "Commands and compensations sent again after a timeout or a failed compensation",
            saga,
            step,
            compensation)
        .increment();
  }

  @Override
  public void ignored(String saga, String reason) {
    if (!live.live()) {
      return;
    }
    Counter.builder("tideway.saga.ignored")
        .description(
            "Replies and starts ignored: unknown saga, after the end, wrong step, duplicate")
        .tags("deployment", deployment, "saga", saga, "reason", reason)
        .register(meters)
        .increment();
  }

  @Override
  public void failed(String saga, String action) {
    if (!live.live()) {
      return;
    }
    Counter.builder("tideway.saga.failures")
        .description(
            "Sagas the engine could not act on (a command or the saga's data could not be made)")
        .tags("deployment", deployment, "saga", saga, "action", action)
        .register(meters)
        .increment();
  }

  @Override
  public void inFlight(String saga, String task, int count) {
    String counted = saga + "/" + task;
    if (live.live()) {
      countedLive.add(counted);
    } else if (count != 0 || !countedLive.remove(counted)) {
      // A replay's counts are not counted, nor its zeros, which would wipe the live version's
      // count of the same task; but a task this version counted live goes to zero when it closes
      // after its retirement (a rebuild's switch), as it may now run on another instance.
      return;
    }
    inFlight
        .computeIfAbsent(
            deployment + "/" + saga,
            key -> {
              Map<String, Integer> tasks = new ConcurrentHashMap<>();
              Gauge.builder(
                      "tideway.saga.in.flight",
                      tasks,
                      t -> t.values().stream().mapToInt(Integer::intValue).sum())
                  .description("Sagas started and not ended, in this instance's tasks")
                  .tags("deployment", deployment, "saga", saga)
                  .register(meters);
              return tasks;
            })
        .put(task, count);
  }

  private Counter stepCounter(
      String name, String description, String saga, String step, boolean compensation) {
    return Counter.builder(name)
        .description(description)
        .tags(stepTags(saga, step, compensation))
        .register(meters);
  }

  private Tags stepTags(String saga, String step, boolean compensation) {
    return Tags.of(
        "deployment",
        deployment,
        "saga",
        saga,
        "step",
        step,
        "compensation",
        Boolean.toString(compensation));
  }

  private Counter counter(String name, String description, String saga) {
    return Counter.builder(name)
        .description(description)
        .tags("deployment", deployment, "saga", saga)
        .register(meters);
  }
}
