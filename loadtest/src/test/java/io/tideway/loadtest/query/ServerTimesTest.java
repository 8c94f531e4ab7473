package io.tideway.loadtest.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerTimesTest {

  @Test
  void sumsTheLookupTimerOverItsStatusesFromAScrape() {
    String scrape =
        """
        # HELP tideway_query_lookups_seconds Key lookups answered
        # TYPE tideway_query_lookups_seconds histogram
        tideway_query_lookups_seconds_bucket{status="200",le="0.001"} 900.0
        tideway_query_lookups_seconds_bucket{status="200",le="0.005"} 990.0
        tideway_query_lookups_seconds_bucket{status="200",le="+Inf"} 1000.0
        tideway_query_lookups_seconds_count{status="200"} 1000.0
        tideway_query_lookups_seconds_sum{status="200"} 0.5
        tideway_query_lookups_seconds_bucket{status="404",le="0.005"} 7.0
        tideway_query_lookups_seconds_count{status="404"} 8.0
        tideway_query_lookups_seconds_max{status="404"} 0.006
        tideway_topology_e2e_latency_seconds_count{deployment="x"} 50.0
        """;

    QueryBenchmark.ServerTimes times = QueryBenchmark.ServerTimes.parse(scrape);

    assertThat(times.lookups()).isEqualTo(1008);
    assertThat(times.withinTarget()).isEqualTo(997);
    assertThat(times.since(new QueryBenchmark.ServerTimes(8, 7)).shareWithinTarget())
        .isEqualTo(0.99);
  }
}
