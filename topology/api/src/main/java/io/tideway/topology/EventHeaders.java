package io.tideway.topology;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The headers every event carries (ARCHITECTURE.md, "Topics and records"), written by the outbox
 * relay: UTF-8 text, {@code occurredAt} as decimal epoch milliseconds.
 */
public final class EventHeaders {

  /** The event's id, a UUID: the key events are deduplicated by. */
  public static final String ID = "id";

  /** The event's type, e.g. {@code OrderPlaced}. */
  public static final String EVENT_TYPE = "eventType";

  /** The type of the aggregate the event belongs to, e.g. {@code order}. */
  public static final String AGGREGATE_TYPE = "aggregateType";

  /** When the outbox row was committed, in epoch milliseconds. */
  public static final String OCCURRED_AT = "occurredAt";

  /** The W3C trace context, where the writer had one. */
  public static final String TRACEPARENT = "traceparent";

  private EventHeaders() {}

  /** The last value of a header as text, or null when the record has none. */
  public static String text(Headers headers, String name) {
    Header header = headers == null ? null : headers.lastHeader(name);
    return header == null || header.value() == null
        ? null
        : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** The event id, or null when the record has no {@code id} header. */
  public static String eventId(Headers headers) {
    return text(headers, ID);
  }

  /**
   * When the event's outbox row was committed, or -1 when the record has no {@code occurredAt}
   * header or it is not a number.
   */
  public static long occurredAt(Headers headers) {
    String value = text(headers, OCCURRED_AT);
    if (value == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
