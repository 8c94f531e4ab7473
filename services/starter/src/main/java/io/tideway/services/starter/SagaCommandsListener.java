package io.tideway.services.starter;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.tideway.services.starter.InboundEvents.Inbound;
import io.tideway.services.starter.InboundEvents.LogContext;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Consumes a {@link SagaParticipant}'s commands a polled batch at a time, all of a batch applied in
 * one database transaction: a commit (and its wait for the disk) per batch rather than per command
 * is what lets a participant keep up with hundreds of sagas a second.
 *
 * <p>A batch that fails as a whole (a command whose effect fails, a lost deadlock) is rolled back
 * and applied again one command per transaction, so the commands before the failing one land and
 * the failing one alone is retried, then dead-lettered (see {@link ServiceAutoConfiguration}); a
 * record that cannot be decoded is dead-lettered at once, after the commands before it are
 * committed. One consumer takes every partition: two batches applied side by side could lock the
 * same rows in opposite orders.
 *
 * <p>Its consumer group is the service's name with {@code -commands}, so its static member id never
 * clashes with that of the service's events listener. Besides the counters of {@link
 * InboundEvents}, it records {@code <metric>.batch} (commands committed per transaction) and {@code
 * <metric>.batch.split} (batches rolled back and applied one command at a time).
 */
public final class SagaCommandsListener {

  private static final Logger log = LoggerFactory.getLogger(SagaCommandsListener.class);

  private final SagaParticipant participant;
  private final InboundEvents inbound;
  private final TransactionOperations transactions;
  private final String topic;
  private final String metric;
  private final DistributionSummary batchSizes;
  private final Counter splits;

  SagaCommandsListener(
      SagaParticipant participant,
      InboundEvents inbound,
      TransactionOperations transactions,
      MeterRegistry meters,
      String topic) {
    this.participant = participant;
    this.inbound = inbound;
    this.transactions = transactions;
    this.topic = topic;
    this.metric = "tideway." + participant.commands().name();
    this.batchSizes =
        DistributionSummary.builder(metric + ".batch")
            .description("Commands applied in one database transaction")
            .register(meters);
    this.splits =
        Counter.builder(metric + ".batch.split")
            .description("Batches of commands rolled back and applied one command at a time")
            .register(meters);
  }

  /** The topic listened to. */
  public String topic() {
    return topic;
  }

  @KafkaListener(
      id = "saga-commands",
      groupId = "${spring.application.name}-commands",
      topics = "#{__listener.topic()}",
      batch = "true",
      concurrency = "1")
  void onCommands(List<ConsumerRecord<String, byte[]>> records) {
    List<Inbound> commands = new ArrayList<>(records.size());
    for (ConsumerRecord<String, byte[]> record : records) {
      Inbound command;
      try {
        command = inbound.read(record);
      } catch (RuntimeException e) {
        apply(records, commands);
        throw new BatchListenerFailedException(e.getMessage(), e, record);
      }
      commands.add(command);
    }
    apply(records, commands);
  }

  /** Applies {@code commands}, decoded from the first records of {@code records}. */
  private void apply(List<ConsumerRecord<String, byte[]>> records, List<Inbound> commands) {
    if (commands.isEmpty()) {
      return;
    }
    List<CommandOutcome> outcomes;
    try {
      outcomes = transactions.execute(status -> commands.stream().map(this::apply).toList());
    } catch (RuntimeException e) {
      log.info(
          "A batch of {} commands failed ({}); applying them one at a time",
          commands.size(),
          e.toString());
      splits.increment();
      applyOneByOne(records, commands);
      return;
    }
    batchSizes.record(commands.size());
    for (int i = 0; i < commands.size(); i++) {
      inbound.applied(records.get(i), commands.get(i), metric, outcomes.get(i));
    }
  }

  private void applyOneByOne(List<ConsumerRecord<String, byte[]>> records, List<Inbound> commands) {
    for (int i = 0; i < commands.size(); i++) {
      Inbound command = commands.get(i);
      CommandOutcome outcome;
      try {
        outcome = transactions.execute(status -> apply(command));
      } catch (RuntimeException e) {
        inbound.failed(command, metric);
        throw new BatchListenerFailedException(e.getMessage(), e, records.get(i));
      }
      batchSizes.record(1);
      inbound.applied(records.get(i), command, metric, outcome);
    }
  }

  private CommandOutcome apply(Inbound command) {
    try (LogContext context = command.logContext()) {
      return participant.apply(command.id(), command.value());
    }
  }
}
