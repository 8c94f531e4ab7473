/**
 * The benchmark report as a page people would rather look at than read: {@link
 * io.tideway.loadtest.report.HtmlReport#write HtmlReport.write} turns a benchmark's JSON document
 * into {@code report.json} and a single self-contained {@code index.html}.
 *
 * <p>The page loads nothing from the network: its style, its script and the document itself are
 * inlined, and a content security policy forbids every fetch. The script draws the charts into
 * inline SVG when the page opens: throughput over time, latency percentiles over time for each run
 * with a timeline, the stage breakdown and the ratios to peers, then the tables of runs, targets
 * and memory. Any array of the document may be empty or missing; its chart then says "No data".
 *
 * <p>Every chart is an {@code <svg data-chart="NAME" data-points="N">}, NAME one of {@code
 * throughput}, {@code latency-SLUG} (SLUG the run's name in lower case, runs of other characters as
 * one {@code -}), {@code stages} and {@code ratios}, and N the number of figures it drew: a
 * timeline point's throughput, its p50, p99 and max each count one, a stage's p50, p99 and max each
 * count one, a ratio one. Every drawn figure is an element of class {@code mark}; a script error
 * shows on the page as a {@code <pre class="error">}. {@code HtmlReportIT} checks all of this in
 * headless Chromium.
 */
package io.tideway.loadtest.report;
