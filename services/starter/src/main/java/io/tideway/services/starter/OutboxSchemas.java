package io.tideway.services.starter;

import io.tideway.outbox.Outbox;
import io.tideway.outbox.OutboxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.Phased;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;
import org.springframework.kafka.listener.ListenerContainerRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * Prepares the schemas of the events the service publishes ({@link PublishedEvents}) with the
 * registry as the service starts, in the background, trying again until the registry answers (1 s
 * apart, doubling to 30 s); the service's readiness waits for it, and its Kafka listeners start
 * paused until then: a record they took meanwhile would wait for the registry inside its
 * transaction, or fail on a schema the registry refuses. Only the containers there are at start are
 * paused (not those a service creates later), and a pause the service itself asks for before the
 * schemas are prepared ends with theirs.
 */
final class OutboxSchemas implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(OutboxSchemas.class);
  private static final Duration FIRST_WAIT = Duration.ofSeconds(1);
  private static final Duration LONGEST_WAIT = Duration.ofSeconds(30);
  private static final Duration STOP_WAIT = Duration.ofSeconds(10);

  private final Outbox outbox;
  private final List<PublishedEvents> published;
  private final ListenerContainerRegistry listeners;
  private final List<MessageListenerContainer> paused = new ArrayList<>();
  private volatile boolean prepared;
  private volatile Thread preparing;

  /**
   * @param listeners the service's listener containers, or null when it has none
   */
  OutboxSchemas(
      Outbox outbox, List<PublishedEvents> published, ListenerContainerRegistry listeners) {
    this.outbox = outbox;
    this.published = List.copyOf(published);
    this.listeners = listeners;
  }

  /** Whether every published event's schema was prepared. */
  boolean prepared() {
    return prepared;
  }

  /**
   * Just before the listener containers start (the registry's phase, which a container factory may
   * have changed), so that they start paused.
   */
  @Override
  public int getPhase() {
    int listenersPhase =
        listeners instanceof Phased phased
            ? phased.getPhase()
            : AbstractMessageListenerContainer.DEFAULT_PHASE;
    int first = Math.min(listenersPhase, AbstractMessageListenerContainer.DEFAULT_PHASE);
    return first == Integer.MIN_VALUE ? first : first - 1;
  }

  @Override
  public void start() {
    if (!prepared) {
      pauseListeners();
    }
    Thread thread = new Thread(this::prepareAll, "outbox-schemas");
    thread.setDaemon(true);
    preparing = thread;
    thread.start();
  }

  /** Stops preparing, and waits for it, before the outbox is closed. */
  @Override
  public void stop() {
    Thread thread = preparing;
    preparing = null;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(STOP_WAIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean isRunning() {
    return preparing != null;
  }

  /** Pauses the listeners not paused already (by the service itself, which resumes its own). */
  private synchronized void pauseListeners() {
    if (listeners == null) {
      return;
    }
    for (MessageListenerContainer container : listeners.getAllListenerContainers()) {
      if (!container.isPauseRequested()) {
        container.pause();
        paused.add(container);
      }
    }
    if (!paused.isEmpty()) {
      log.info(
          "Kafka listeners {} start paused until the published events' schemas are prepared",
          paused.stream().map(MessageListenerContainer::getListenerId).sorted().toList());
    }
  }

  private synchronized void resumeListeners() {
    paused.forEach(MessageListenerContainer::resume);
    paused.clear();
  }

  private void prepareAll() {
    try {
      prepareUntilDone();
    } catch (Error e) {
      log.error("Not ready, for good: preparing the schemas of the published events failed", e);
      throw e;
    }
  }

  private void prepareUntilDone() {
    Duration wait = FIRST_WAIT;
    while (!Thread.currentThread().isInterrupted()) {
      try {
        int types = 0;
        for (PublishedEvents events : published) {
          outbox.prepare(events.aggregateType(), events.schemas());
          types += events.schemas().size();
        }
        prepared = true;
        log.info("Prepared the schemas of {} published event type(s) with the registry", types);
        resumeListeners();
        return;
      } catch (RuntimeException e) {
        if (Thread.currentThread().isInterrupted()) {
          return; // stopped while asking
        }
        if (e instanceof OutboxException) {
          log.warn(
              "Not ready: cannot prepare the schemas of the published events; trying again in {}"
                  + " s: {}",
              wait.toSeconds(),
              e.getMessage());
        } else {
          log.warn(
              "Not ready: preparing the schemas of the published events failed; trying again in"
                  + " {} s",
              wait.toSeconds(),
              e);
        }
      }
      try {
        Thread.sleep(wait.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      wait = wait.multipliedBy(2).compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait.multipliedBy(2);
    }
  }
}
