package io.tideway.topology.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideway.topology.history.AggregateHistory;
import java.io.IOException;

/**
 * An aggregate's audit trail, {@code GET /v1/aggregates/{type}/{id}/events}: its events in the
 * order they were published, read from the history store {@code <type>-history} that {@link
 * AggregateHistory} keeps, through a scan of every instance's partitions, a page at a time.
 */
final class AggregateQueries {

  /** Most pages one answer reads past that hold only other aggregates' events. */
  static final int MAX_PAGES = 20;

  private final TopologyRuntime runtime;
  private final StoreQueries queries;
  private final ObjectMapper json;

  AggregateQueries(TopologyRuntime runtime, StoreQueries queries, ObjectMapper json) {
    this.runtime = runtime;
    this.queries = queries;
    this.json = json;
  }

  /**
   * A page of one aggregate's events: {@code {"aggregateType","aggregateId","events":[{type, event
   * id, time, trace, position, payload}],"next"}}.
   *
   * @param cursor the previous page's {@code next}, or null
   */
  StoreQueries.Answer events(String type, String id, int limit, String cursor) throws IOException {
    String store = AggregateHistory.storeName(type);
    if (runtime.running().stream().noneMatch(d -> d.stores().contains(store))) {
      return queries.absent(
          "No history of aggregate type "
              + type
              + ": no deployment keeps a store "
              + store
              + " (see AggregateHistory)");
    }
    String prefix = AggregateHistory.keyPrefix(id);
    if (cursor != null && !cursor.startsWith(prefix)) {
      return error(400, "cursor " + cursor + " is not a position in the history of " + id);
    }
    ObjectNode body = json.createObjectNode().put("aggregateType", type).put("aggregateId", id);
    ArrayNode events = body.putArray("events");
    JsonNode next = cursor == null ? null : json.getNodeFactory().textNode(cursor);
    // Entries of aggregates whose ids are this one's, a '/' and a digit fall in its range: pages
    // of only theirs are read on, a bounded number per answer, so that an answer holds events
    // unless there are none left or it says where to go on.
    int pages = 0;
    do {
      pages++;
      StoreQueries.Answer page =
          queries.scan(
              store,
              AggregateHistory.firstKey(id),
              AggregateHistory.lastKey(id),
              prefix,
              limit,
              next == null ? null : next.asText(),
              false);
      if (page.status() != 200) {
        return page;
      }
      JsonNode scanned = json.readTree(page.body());
      for (JsonNode entry : scanned.get("entries")) {
        ObjectNode event = ((ObjectNode) entry.get("value")).deepCopy();
        if (id.equals(event.path("aggregateId").asText())) {
          event.remove("aggregateType");
          event.remove("aggregateId");
          event.set("payload", json.readTree(event.path("payload").asText()));
          events.add(event);
        }
      }
      next = scanned.get("next").isNull() ? null : scanned.get("next");
    } while (events.isEmpty() && next != null && pages < MAX_PAGES);
    if (events.isEmpty() && next == null && cursor == null) {
      return error(404, "No events of " + type + " " + id + " in store " + store);
    }
    body.set("next", next == null ? json.nullNode() : next);
    return new StoreQueries.Answer(200, json.writeValueAsString(body), 0);
  }

  private StoreQueries.Answer error(int status, String message) throws IOException {
    return new StoreQueries.Answer(
        status, json.writeValueAsString(json.createObjectNode().put("error", message)), 0);
  }
}
