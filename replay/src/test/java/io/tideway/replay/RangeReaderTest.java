package io.tideway.replay;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

class RangeReaderTest {

  @Test
  void aReadThatStopsMovingFailsNamingWhereEachPartitionStood() throws Exception {
    // given: a cluster that does not answer (a port nothing listens on)
    String nowhere;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nowhere = "127.0.0.1:" + socket.getLocalPort();
    }
    RangeReader reader =
        new RangeReader(
            "orders",
            List.of(new PartitionRange(0, 5, 10), new PartitionRange(1, 0, 0)),
            Duration.ofMillis(100),
            Duration.ofSeconds(1));

    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, nowhere),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      // when, then
      assertThatThrownBy(() -> reader.read(consumer, record -> true, () -> {}, progress -> {}))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "Reading orders made no progress for 1 s (orders-0 at offset 5 of 10): is the"
                  + " cluster reachable? Records read before were handled");
    }
  }
}
