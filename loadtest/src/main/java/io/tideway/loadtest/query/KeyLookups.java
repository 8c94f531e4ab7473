package io.tideway.loadtest.query;

import io.tideway.loadtest.HttpGets;
import io.tideway.loadtest.RunContext;
import io.tideway.loadtest.Scenario;
import io.tideway.loadtest.Workload;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One phase of the query benchmark: {@code GET /v1/stores/{store}/keys/{key}} on one runtime,
 * cycling over a set of keys, at most {@code concurrency} in flight; each must answer {@code 200}.
 */
final class KeyLookups implements Scenario {

  private final String name;
  private final String runtimeUrl;
  private final List<String> keys;
  private final int concurrency;

  KeyLookups(String name, String runtimeUrl, List<String> keys, int concurrency) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException(name + ": no keys to look up");
    }
    this.name = name;
    this.runtimeUrl = runtimeUrl;
    this.keys = List.copyOf(keys);
    this.concurrency = concurrency;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean usesKafka() {
    return false;
  }

  @Override
  public String target() {
    return "store " + CustomerLookups.STORE + " at " + runtimeUrl + " (" + keys.size() + " keys)";
  }

  @Override
  public String unit() {
    return "lookups";
  }

  @Override
  public Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("runtimeUrl", runtimeUrl);
    settings.put("store", CustomerLookups.STORE);
    settings.put("keys", keys.size());
    settings.put("concurrency", concurrency);
    return settings;
  }

  @Override
  public Workload start(RunContext context) {
    return new HttpGets(
        keys.stream().map(key -> uri(runtimeUrl, key)).toList(),
        Map.of("Accept", "application/json"),
        concurrency,
        context);
  }

  static URI uri(String runtimeUrl, String key) {
    return URI.create(
        runtimeUrl
            + "/v1/stores/"
            + CustomerLookups.STORE
            + "/keys/"
            + URLEncoder.encode(key, StandardCharsets.UTF_8));
  }
}
