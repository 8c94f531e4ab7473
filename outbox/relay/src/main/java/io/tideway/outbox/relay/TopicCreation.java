package io.tideway.outbox.relay;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates each topic the relay writes to, the first time it meets it, with the configured layout;
 * topics that exist are left as they are. Clusters that create topics themselves need none of it,
 * but the platform's broker does not ({@code auto.create.topics.enable=false}).
 */
final class TopicCreation {

  private static final Logger log = LoggerFactory.getLogger(TopicCreation.class);

  private final Admin admin;
  private final int partitions;
  private final short replicationFactor;
  private final Set<String> known = ConcurrentHashMap.newKeySet();

  TopicCreation(Admin admin, int partitions, short replicationFactor) {
    this.admin = admin;
    this.partitions = partitions;
    this.replicationFactor = replicationFactor;
  }

  void ensure(String topic) throws InterruptedException {
    if (known.contains(topic)) {
      return;
    }
    NewTopic newTopic =
        new NewTopic(
            topic,
            Optional.of(partitions),
            replicationFactor == -1 ? Optional.empty() : Optional.of(replicationFactor));
    try {
      admin.createTopics(List.of(newTopic)).all().get();
      log.info("Created topic {} ({} partitions)", topic, partitions);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new RelayException("Cannot create topic " + topic, e.getCause());
      }
    }
    known.add(topic);
  }
}
