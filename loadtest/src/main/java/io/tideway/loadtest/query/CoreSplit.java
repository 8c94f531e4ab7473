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
    long self = ProcessHandle.current().pid();
    try {
      String own = taskset("-p", "-c", Long.toString(self));
      String ownList = own.substring(own.lastIndexOf(':') + 1).trim();
      List<Integer> processors = processors(ownList);
      if (processors.size() < 2) {
        return shared("one processor");
      }
      String lower = joined(processors.subList(0, processors.size() / 2));
      String upper = joined(processors.subList(processors.size() / 2, processors.size()));
      for (long pid : runtimePids) {
        taskset("-a", "-p", "-c", upper, Long.toString(pid));
      }
      taskset("-a", "-p", "-c", lower, Long.toString(self));
      return new CoreSplit(
          "runtimes on processors " + upper + ", the generator on " + lower, ownList);
    } catch (IOException | RuntimeException e) {
      warning.accept(
          "Could not keep the runtimes and the generator on separate processors ("
              + e.getMessage()
              + "): they share them");
      return shared("taskset failed");
    }
  }

  /** The processors of a list as taskset prints it, such as {@code 0-3,6}. */
  static List<Integer> processors(String list) {
    List<Integer> processors = new ArrayList<>();
    for (String part : list.split(",")) {
      String[] range = part.trim().split("-");
      int from = Integer.parseInt(range[0]);
      int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
      IntStream.rangeClosed(from, to).forEach(processors::add);
    }
    return processors;
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

  private static String joined(List<Integer> processors) {
    return processors.stream().map(String::valueOf).collect(Collectors.joining(","));
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
