package io.tideway.loadtest.query;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Gives the runtimes under test the upper half of the machine's processors and this process, the
 * lookups' generator, the lower half, as a server and its callers on separate hosts would have. On
 * a small machine their threads otherwise take turns on the same cores, and a lookup then waits for
 * the generator's own threads as much as for the server.
 *
 * <p>Uses Linux's {@code taskset} on every thread of each process. Where it is missing, or with a
 * single processor, everything shares the processors and the split says so. Closing it gives this
 * process back the processors it had.
 */
final class CoreSplit implements AutoCloseable {

  private final String described;
  private final String ownProcessors;

  private CoreSplit(String described, String ownProcessors) {
    this.described = described;
    this.ownProcessors = ownProcessors;
  }

  /** Everything shares the processors. */
  static CoreSplit shared(String why) {
    return new CoreSplit("shared: " + why, null);
  }

  /**
   * Splits the processors between the runtimes' processes and this one.
   *
   * @param warning told why the split could not be made, when it could not
   */
  static CoreSplit apply(List<Long> runtimePids, Consumer<String> warning) {
    int processors = Runtime.getRuntime().availableProcessors();
    if (processors < 2) {
      return shared("one processor");
    }
    long self = ProcessHandle.current().pid();
    String upper = range(processors / 2, processors);
    String lower = range(0, processors / 2);
    try {
      String own = taskset("-p", "-c", Long.toString(self));
      for (long pid : runtimePids) {
        taskset("-a", "-p", "-c", upper, Long.toString(pid));
      }
      taskset("-a", "-p", "-c", lower, Long.toString(self));
      return new CoreSplit(
          "runtimes on processors " + upper + ", the generator on " + lower,
          own.substring(own.lastIndexOf(':') + 1).trim());
    } catch (IOException e) {
      warning.accept(
          "Could not keep the runtimes and the generator on separate processors ("
              + e.getMessage()
              + "): they share them");
      return shared("taskset failed");
    }
  }

  /** Where each side runs, for the report. */
  String described() {
    return described;
  }

  /** Gives this process back its processors. */
  @Override
  public void close() throws IOException {
    if (ownProcessors != null) {
      taskset("-a", "-p", "-c", ownProcessors, Long.toString(ProcessHandle.current().pid()));
    }
  }

  private static String range(int from, int to) {
    return IntStream.range(from, to).mapToObj(Integer::toString).collect(Collectors.joining(","));
  }

  /** Runs {@code taskset} and returns what it printed. */
  private static String taskset(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add("taskset");
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IOException("taskset " + String.join(" ", args) + ": " + output.trim());
      }
      return output;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
