/** How fast a rebuild replays the log: {@link io.tideway.loadtest.rebuild.RebuildBenchmark}. */
package io.tideway.loadtest.rebuild;
