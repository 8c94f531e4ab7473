package io.tideway.loadtest.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The memory of a running platform — the {@code tideway up} process and every process under it (the
 * services'), and PostgreSQL's postmaster, which runs detached, with its backends — sampled every
 * {@value #INTERVAL_SECONDS} seconds from {@code /proc}, seldom enough to cost the platform nothing
 * measurable. Two sums: resident set size, which counts memory shared between processes
 * (PostgreSQL's shared buffers) once per process and so overstates the total; and proportional set
 * size, which splits shared pages among their sharers and adds up to what the platform really
 * holds. Linux only; elsewhere it reports nothing.
 */
final class PlatformMemory implements AutoCloseable {

  /** The highest total seen, and each group of processes' highest, in bytes. */
  record Peak(long rssBytes, long pssBytes, Map<String, Long> rssByGroup) {}

  static final int INTERVAL_SECONDS = 5;

  private final List<Long> roots;
  private final ScheduledExecutorService sampler =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "platform-memory");
            thread.setDaemon(true);
            return thread;
          });
  private long peakRss;
  private long peakPss;
  private final Map<String, Long> peakByGroup = new LinkedHashMap<>();

  /**
   * Starts sampling processes and their descendants.
   *
   * @param roots the {@code tideway up} process first, then any other the platform started
   */
  PlatformMemory(List<Long> roots) {
    this.roots = List.copyOf(roots);
    sampler.scheduleAtFixedRate(this::sample, 0, INTERVAL_SECONDS, TimeUnit.SECONDS);
  }

  private void sample() {
    List<ProcessHandle> processes = new ArrayList<>();
    for (long pid : roots) {
      ProcessHandle.of(pid)
          .ifPresent(
              root -> {
                processes.add(root);
                root.descendants().forEach(processes::add);
              });
    }
    long rss = 0;
    long pss = 0;
    Map<String, Long> byGroup = new LinkedHashMap<>();
    for (ProcessHandle process : processes) {
      long processRss = kilobytes(process.pid(), "status", "VmRSS:") * 1024;
      if (processRss == 0) {
        continue; // ended since it was listed
      }
      rss += processRss;
      long processPss = kilobytes(process.pid(), "smaps_rollup", "Pss:") * 1024;
      // Unreadable (another user's process, an old kernel): its resident size, never less.
      pss += processPss > 0 ? processPss : processRss;
      byGroup.merge(group(process), processRss, Long::sum);
    }
    synchronized (this) {
      peakRss = Math.max(peakRss, rss);
      peakPss = Math.max(peakPss, pss);
      byGroup.forEach((group, bytes) -> peakByGroup.merge(group, bytes, Math::max));
    }
  }

  private String group(ProcessHandle process) {
    if (process.pid() == roots.get(0)) {
      return "tideway up (Kafka, registry, relay, runtime)";
    }
    String command = process.info().command().orElse("");
    String line = process.info().commandLine().orElse(command);
    if (command.endsWith("/postgres") || command.endsWith("postgres")) {
      return "PostgreSQL";
    }
    int service = line.indexOf("tideway-service-");
    if (service >= 0) {
      String rest = line.substring(service + "tideway-service-".length());
      return rest.substring(0, Math.max(0, rest.indexOf('-'))) + " service";
    }
    return Path.of(command.isEmpty() ? "process " + process.pid() : command)
        .getFileName()
        .toString();
  }

  /** A {@code Key: N kB} line of a file under {@code /proc/<pid>}, or 0 when unreadable. */
  private static long kilobytes(long pid, String file, String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), file))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).replace("kB", "").trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      // Gone meanwhile, or not Linux: it holds nothing now.
    }
    return 0;
  }

  /** The peaks so far. */
  synchronized Peak peak() {
    return new Peak(peakRss, peakPss, new LinkedHashMap<>(peakByGroup));
  }

  @Override
  public void close() {
    sampler.shutdownNow();
  }
}
