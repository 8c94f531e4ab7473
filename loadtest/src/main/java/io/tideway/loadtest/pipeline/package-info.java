/**
 * The whole pipeline under load ({@code tideway loadtest pipeline}): commands through a reference
 * service's HTTP API, each followed by a read-your-writes query that the read model answers once it
 * has processed the command's event; beside it, in the same run, the insert-only ceiling (the same
 * transactions with nothing downstream), a Spring Modulith peer carrying the same events, and the
 * produce and passthrough baselines. {@link io.tideway.loadtest.pipeline.PipelineBenchmark} runs
 * them and reports ratios, targets, the per-stage breakdown and the platform's memory.
 */
package io.tideway.loadtest.pipeline;
