package io.tideway.topology.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;

/**
 * Sagas as operators look at them: {@code GET /v1/sagas/{id}} and {@code GET /v1/sagas}, answered
 * from the saga engine's instance stores ({@code <saga>-saga-instances}) through the store queries,
 * so a saga another instance owns is forwarded to it. The serialized start event is left out.
 *
 * <p>A saga is looked up by its id as the store's key, which finds it on the instance that owns the
 * key's partition: sagas are partitioned by business key, so this holds where the business key is
 * the saga id (the place-order saga). A saga partitioned by another key is found when this instance
 * holds its partition, else it answers 404.
 */
final class SagaQueries {

  private static final String INSTANCES_SUFFIX = "-saga-instances";

  /** Entries read per store page while filtering a list by state. */
  private static final int PAGE = 500;

  /** Pages read per list request at most: a list filtered to a rare state stays bounded. */
  private static final int MAX_PAGES = 20;

  private final TopologyRuntime runtime;
  private final StoreQueries queries;
  private final ObjectMapper json;

  SagaQueries(TopologyRuntime runtime, StoreQueries queries, ObjectMapper json) {
    this.runtime = runtime;
    this.queries = queries;
    this.json = json;
  }

  /** One saga: its state, current step and history. */
  StoreQueries.Answer saga(String id) throws IOException {
    StoreQueries.Answer unanswered = null;
    for (String store : instanceStores()) {
      StoreQueries.Answer answer = queries.get(store, KeyLookup.latest(id));
      if (answer.status() == 200) {
        JsonNode value = json.readTree(answer.body()).get("value");
        return new StoreQueries.Answer(200, json.writeValueAsString(view(value, store)), 0);
      }
      // A store that cannot answer now may not be the saga's: the others are asked still.
      if (answer.status() != 404 && unanswered == null) {
        unanswered = answer;
      }
    }
    return unanswered != null ? unanswered : queries.absent("No saga " + id);
  }

  /**
   * Sagas by instance store, then in saga id order, optionally only those in one state.
   *
   * @param state a status such as {@code RUNNING} or {@code FAILED_COMPENSATION}, or null for all
   * @param cursor the {@code next} of the previous answer ({@code <store>:<saga id>}), or null
   */
  StoreQueries.Answer list(String state, int limit, String cursor) throws IOException {
    if (runtime.resuming()) {
      return queries.absent("No list of sagas");
    }
    String fromStore = null;
    String fromKey = null;
    if (cursor != null) {
      int colon = cursor.indexOf(':');
      if (colon < 0) {
        return StoreQueries.Answer.error(
            400, "cursor " + cursor + " is not a position in the list of sagas");
      }
      fromStore = cursor.substring(0, colon);
      fromKey = cursor.substring(colon + 1);
    }
    ObjectNode body = json.createObjectNode();
    ArrayNode sagas = body.putArray("sagas");
    String next = null;
    for (String store : instanceStores()) {
      if (fromStore != null && store.compareTo(fromStore) < 0) {
        continue; // listed on earlier pages
      }
      String position = store.equals(fromStore) ? fromKey : null;
      for (int page = 0; page < MAX_PAGES && sagas.size() < limit; page++) {
        StoreQueries.Answer answer = queries.scan(store, null, null, null, PAGE, position, false);
        if (answer.status() != 200) {
          return answer;
        }
        JsonNode scanned = json.readTree(answer.body());
        for (JsonNode entry : scanned.get("entries")) {
          JsonNode value = entry.get("value");
          position = entry.get("key").asText();
          if (state == null || state.equalsIgnoreCase(value.path("status").asText())) {
            sagas.add(view(value, store));
            if (sagas.size() == limit) {
              break;
            }
          }
        }
        if (scanned.get("next").isNull() && sagas.size() < limit) {
          position = null;
          break;
        }
      }
      // Where this store's reading stopped, at the limit or the pages' bound, the next page goes
      // on.
      if (position != null) {
        next = store + ":" + position;
        break;
      }
    }
    body.put("next", next);
    return new StoreQueries.Answer(200, json.writeValueAsString(body), 0);
  }

  private ObjectNode view(JsonNode value, String store) {
    ObjectNode saga = ((ObjectNode) value).deepCopy();
    saga.remove("data");
    // Each transition repeats the saga it belongs to, as its lifecycle record must; not here.
    for (JsonNode transition : saga.path("history")) {
      ((ObjectNode) transition).remove(List.of("sagaId", "saga"));
    }
    saga.put("store", store);
    return saga;
  }

  private List<String> instanceStores() {
    return runtime.running().stream()
        .flatMap(d -> d.stores().stream())
        .filter(SagaQueries::isInstanceStore)
        .sorted()
        .toList();
  }

  /** Whether a store is a saga engine's instance store, {@code <saga>-saga-instances}. */
  static boolean isInstanceStore(String store) {
    return store.endsWith(INSTANCES_SUFFIX);
  }
}
