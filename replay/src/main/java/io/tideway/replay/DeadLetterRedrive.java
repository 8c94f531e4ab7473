package io.tideway.replay;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Sends the records of a Kafka Streams dead-letter topic back to the topics they failed on, once
 * the cause is fixed.
 *
 * <pre>{@code
 * try (DeadLetterRedrive redrive = new DeadLetterRedrive(Map.of("bootstrap.servers", servers))) {
 *   DeadLetterFilter filter = DeadLetterFilter.parse(List.of("exception=InvalidEventException"), null);
 *   RedriveSummary done = redrive.redrive("order-view.dlq", filter, false, new RedriveListener() {});
 * }
 * }</pre>
 *
 * <p>It reads the dead-letter topic from its earliest offsets up to the end offsets seen when it
 * starts (committed records only), and sends each dead letter that matches the filter to the topic
 * it was read from, named by Kafka Streams' {@value DeadLetter#TOPIC_HEADER} header or Spring's
 * {@code kafka_dlt-original-topic} ({@link DeadLetter}), with its key, value, timestamp and headers
 * as they were: the {@code __streams.errors.*} and {@code kafka_dlt-*} headers are removed, so the
 * {@code id} header the topologies and services deduplicate by is kept and re-driving twice changes
 * nothing the second time. Each record goes to the partition it was read from while the topic has
 * it, otherwise where the producer's partitioner puts its key. Sends are idempotent, {@code
 * acks=all}, in the dead-letter topic's order per partition. In Tideway's runtime a record that
 * failed below a {@code Deduplicate} step left its id unremembered there, so its first re-drive is
 * processed and the second dropped as a duplicate.
 *
 * <p>A dead letter that failed after a repartition names the repartition topic, which a topology
 * reads past its deduplication: a re-drive there is applied each time it is sent, so it is sent
 * only when the filter names that topic ({@code topic=<app>-...-repartition}), for an operator who
 * re-drives it once.
 *
 * <p>A dead letter with neither key nor value that names its original's partition and offset is
 * sent back as its original, read again from there: Kafka Streams dead-letters a record without its
 * bytes once another branch of the topology has written it to a topic.
 *
 * <p>A dead letter of the saga engine or of a topology's result without an input (a punctuator's)
 * goes to the topic its destination header names ({@link DeadLetter}); one whose record was too
 * large to keep in it is skipped, as no log holds the record.
 *
 * <p>A dead letter without an original-topic header (written by neither Kafka Streams nor Spring),
 * whose original topic no longer exists, or whose original it would have to read again is gone from
 * the log, is skipped: the listener hears why, naming its dead-letter topic, partition and offset,
 * and the summary counts it. Dead letters stay in the dead-letter topic; nothing is deleted or
 * committed.
 */
public final class DeadLetterRedrive implements AutoCloseable {

  private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(1);

  /**
   * How Kafka Streams names the topics it repartitions through, those of foreign-key joins
   * included: a topology reads them past its deduplication.
   */
  private static final List<String> REPARTITION_SUFFIXES =
      List.of("-repartition", "-subscription-registration-topic", "-subscription-response-topic");

  private final ReplayClients clients;

  /**
   * A re-drive tool on one cluster.
   *
   * @param kafkaSettings Kafka client settings: {@code bootstrap.servers} and whatever else the
   *     cluster needs; serializers, isolation and acknowledgements are set here
   */
  public DeadLetterRedrive(Map<String, ?> kafkaSettings) {
    this.clients = new ReplayClients(kafkaSettings);
  }

  /**
   * Re-drives the dead letters that match a filter.
   *
   * @param dlqTopic the dead-letter topic, e.g. {@code <application id>.dlq}
   * @param filter which dead letters to send back
   * @param dryRun list what would be sent through {@link RedriveListener#wouldSend} and send
   *     nothing
   * @throws ReplayException for an unknown dead-letter topic, or a {@code since} in the future
   * @throws IllegalStateException when a record cannot be written; records before it were, and some
   *     after it may have been
   */
  public RedriveSummary redrive(
      String dlqTopic, DeadLetterFilter filter, boolean dryRun, RedriveListener listener) {
    long started = System.nanoTime();
    SourceSpec.checkTopicName(dlqTopic, "dead letters");
    Instant now = Instant.now();
    if (filter.since() != null && filter.since().isAfter(now)) {
      throw new ReplayException(
          "The time to re-drive since, " + filter.since() + ", is in the future (now " + now + ")");
    }
    OptionalInt partitionCount = clients.partitionCount(dlqTopic);
    if (partitionCount.isEmpty()) {
      throw new ReplayException("Unknown dead-letter topic: " + dlqTopic);
    }
    List<TopicPartition> partitions = new ArrayList<>();
    for (int p = 0; p < partitionCount.getAsInt(); p++) {
      partitions.add(new TopicPartition(dlqTopic, p));
    }
    Map<String, OptionalInt> originalTopics = new HashMap<>();
    Map<String, Long> sentByTopic = new TreeMap<>();
    long[] filteredOut = {0};
    long[] skipped = {0};
    long[] pastDeduplication = {0};
    Instant forgottenBefore = now.minus(RedriveSummary.DEDUPLICATION_WINDOW);
    ReplayProgress last;
    try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer();
        OriginalRecords originals = new OriginalRecords(clients::consumer);
        ReplaySends sends = new ReplaySends(clients::producer)) {
      Map<TopicPartition, Long> beginnings =
          consumer.beginningOffsets(partitions, ReplayClients.TIMEOUT);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, ReplayClients.TIMEOUT);
      List<PartitionRange> ranges = new ArrayList<>();
      for (TopicPartition partition : partitions) {
        ranges.add(
            new PartitionRange(
                partition.partition(), beginnings.get(partition), ends.get(partition)));
      }
      RangeReader reader = new RangeReader(dlqTopic, ranges, PROGRESS_INTERVAL);
      last =
          reader.read(
              consumer,
              record -> {
                DeadLetter letter = DeadLetter.of(record);
                if (!filter.matches(letter)) {
                  filteredOut[0]++;
                  return false;
                }
                String reason = unsendable(record, letter, filter, originalTopics);
                OptionalInt originalPartitions = originalTopics.get(letter.originalTopic());
                Optional<ProducerRecord<byte[], byte[]>> resend =
                    reason == null
                        ? original(record, letter, originalPartitions, originals)
                        : Optional.empty();
                if (resend.isEmpty()) {
                  skipped[0]++;
                  listener.skipped(
                      letter,
                      letter.location()
                          + ": "
                          + (reason != null
                              ? reason
                              : "Kafka Streams kept neither its key nor its value, and its"
                                  + " original "
                                  + letter.origin()
                                  + " is no longer in the log")
                          + ", skipped");
                  return false;
                }
                sentByTopic.merge(letter.originalTopic(), 1L, Long::sum);
                if (letter.originalTimestamp() != null
                    && letter.originalTimestamp().isBefore(forgottenBefore)) {
                  pastDeduplication[0]++;
                }
                if (dryRun) {
                  listener.wouldSend(letter);
                } else {
                  sends.send(resend.get(), letter.location());
                }
                return true;
              },
              sends::checkFailures,
              listener::progress);
      sends.flush();
    }
    listener.progress(last);
    return new RedriveSummary(
        dlqTopic,
        dryRun,
        last,
        filteredOut[0],
        skipped[0],
        sentByTopic,
        pastDeduplication[0],
        Duration.ofNanos(System.nanoTime() - started));
  }

  /** Why a dead letter cannot go back, or null when it can. */
  private String unsendable(
      ConsumerRecord<byte[], byte[]> record,
      DeadLetter letter,
      DeadLetterFilter filter,
      Map<String, OptionalInt> originalTopics) {
    if (letter.originalTopic() == null || letter.originalTopic().isBlank()) {
      return "no "
          + DeadLetter.TOPIC_HEADER
          + ", "
          + DeadLetter.SPRING_TOPIC_HEADER
          + ", "
          + DeadLetter.SAGA_DESTINATION_HEADER
          + " or "
          + DeadLetter.RESULT_DESTINATION_HEADER
          + " header names its original topic";
    }
    if (record.key() == null
        && record.value() == null
        && letter.originalOffset() == null
        && record.headers().lastHeader(DeadLetter.OMITTED_HEADER) != null) {
      return "its record was too large to keep in the dead letter, and no log holds it: it was"
          + " for "
          + letter.originalTopic();
    }
    if (!SourceSpec.isTopicName(letter.originalTopic())) {
      return "its original topic '" + letter.originalTopic() + "' is not a legal topic name";
    }
    if (REPARTITION_SUFFIXES.stream().anyMatch(letter.originalTopic()::endsWith)
        && !filter.names(letter.originalTopic())) {
      return "its original topic "
          + letter.originalTopic()
          + " is a topology's internal topic (a repartition or a foreign-key join), read past its"
          + " deduplication, so every re-drive there is"
          + " applied again: re-drive it once, naming it with topic="
          + letter.originalTopic();
    }
    OptionalInt partitions =
        originalTopics.computeIfAbsent(letter.originalTopic(), clients::partitionCount);
    if (partitions.isEmpty()) {
      return "its original topic " + letter.originalTopic() + " no longer exists";
    }
    return null;
  }

  /**
   * The record to send back: the dead letter's own key, value and headers; or, for a dead letter
   * with neither key nor value, the original record read again from where the dead letter says it
   * was, if the log still has it. Kafka Streams frees a record's bytes once a branch of its
   * topology has written the record to a topic, so a later failure of the same record in another
   * branch is dead-lettered without them: sent back as it is, it would be a tombstone, and its id
   * remembered by deduplication would keep the true event out for good.
   */
  private static Optional<ProducerRecord<byte[], byte[]>> original(
      ConsumerRecord<byte[], byte[]> record,
      DeadLetter letter,
      OptionalInt partitions,
      OriginalRecords originals) {
    Integer partition = letter.originalPartition();
    if (partition != null && (partition < 0 || partition >= partitions.getAsInt())) {
      partition = null;
    }
    if (record.key() == null && record.value() == null && letter.originalOffset() != null) {
      if (partition == null) {
        return Optional.empty(); // its partition is gone (a topic made again with fewer)
      }
      return originals
          .at(letter.originalTopic(), partition, letter.originalOffset())
          .map(
              read ->
                  new ProducerRecord<>(
                      read.topic(),
                      read.partition(),
                      read.timestamp(),
                      read.key(),
                      read.value(),
                      read.headers()));
    }
    return Optional.of(
        new ProducerRecord<>(
            letter.originalTopic(),
            partition,
            letter.originalTimestamp().toEpochMilli() < 0
                ? null
                : letter.originalTimestamp().toEpochMilli(),
            record.key(),
            record.value(),
            DeadLetter.originalHeaders(record.headers())));
  }

  @Override
  public void close() {
    clients.close();
  }
}
