package io.tideway.services.starter;

import io.tideway.outbox.OutboxEvent;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * The events a service appends to its outbox under one aggregate type. Declared as beans, they are
 * prepared with the schema registry when the service starts ({@code Outbox.prepare}), and the
 * service is ready only once they are: an append then finds its schema id cached and does not call
 * the registry while its transaction holds locks and a pooled connection, and a schema the registry
 * refuses (incompatible, or not registered where auto-registration is off) shows at start rather
 * than at the first command.
 *
 * <pre>{@code
 * @Bean
 * static PublishedEvents publishedCustomerEvents() {
 *   return PublishedEvents.of("customer", CustomerCreated.class, CustomerAddressChanged.class);
 * }
 * }</pre>
 *
 * @param aggregateType the aggregate type the events are appended under
 * @param schemas the events' record schemas
 */
public record PublishedEvents(String aggregateType, List<Schema> schemas) {

  /**
   * @throws IllegalArgumentException when the aggregate type cannot name a topic
   */
  public PublishedEvents {
    OutboxEvent.topicOf(aggregateType);
    schemas = List.copyOf(schemas);
  }

  /** The events of generated record classes. */
  @SafeVarargs
  public static PublishedEvents of(
      String aggregateType, Class<? extends SpecificRecord>... eventTypes) {
    return new PublishedEvents(
        aggregateType, Arrays.stream(eventTypes).map(SpecificData.get()::getSchema).toList());
  }
}
