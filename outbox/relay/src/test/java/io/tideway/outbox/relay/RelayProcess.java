package io.tideway.outbox.relay;

import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tideway.outbox.relay.RelayHealth.SourceState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An outbox relay in a JVM of its own, so a test can kill it with SIGKILL or cap its heap.
 *
 * <p>The child runs {@link #main} with the settings as arguments. It prints {@value #STREAMING}
 * once the relay streams, and reads commands on its standard input: {@code heap} (collect garbage,
 * then print the heap in use), {@code state} (print its source's state) and {@code stop} (close the
 * relay and exit). Its standard input closing counts as {@code stop}, so a child outlives no test
 * JVM. The parent logs everything the child prints, prefixed with its name.
 */
final class RelayProcess implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RelayProcess.class);

  private static final String STREAMING = "relay-process: streaming";
  private static final String HEAP = "relay-process: heap ";
  private static final String STATE = "relay-process: state ";
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  /** Heap of the child after a full collection, in bytes. */
  record Heap(long used, long max) {}

  private final String name;
  private final Process process;
  private final Writer commands;
  private final Thread output;
  private final BlockingQueue<Heap> heaps = new LinkedBlockingQueue<>();
  private final BlockingQueue<SourceState> states = new LinkedBlockingQueue<>();
  private volatile boolean streaming;

  private RelayProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.output = new Thread(this::readOutput, name + "-output");
    output.setDaemon(true);
    output.start();
  }

  /**
   * Starts a child JVM running a relay with these settings (one source), on this JVM's class path.
   *
   * @param jvmOptions e.g. {@code -Xmx256m}
   */
  static RelayProcess start(String name, RelaySettings settings, String... jvmOptions)
      throws IOException {
    OutboxSource source = settings.sources().get(0);
    List<String> command = new ArrayList<>();
    command.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(List.of(jvmOptions));
    // An out-of-memory error ends the child at once, so a test sees it die rather than limp.
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.addAll(List.of("-cp", System.getProperty("java.class.path")));
    command.add(RelayProcess.class.getName());
    command.addAll(
        List.of(
            settings.bootstrapServers(),
            settings.offsetsTopic(),
            settings.deadLetterTopic(),
            Long.toString(settings.offsetFlushInterval().toMillis()),
            Integer.toString(settings.partitions()),
            Short.toString(settings.replicationFactor()),
            Long.toString(settings.stallAfter().toMillis()),
            source.name(),
            source.host(),
            Integer.toString(source.port()),
            source.database(),
            source.user(),
            source.password()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    log.info("Started {} (pid {})", name, process.pid());
    return new RelayProcess(name, process);
  }

  /** Waits until the child's relay streams; fails at once if the child dies. */
  void awaitStreaming(Duration timeout) {
    await(name + " streaming")
        .atMost(timeout)
        .failFast(name + " exited", () -> !process.isAlive())
        .until(() -> streaming);
  }

  /** The child's heap after a full garbage collection. */
  Heap heap() throws IOException, InterruptedException {
    send("heap");
    Heap heap = heaps.poll(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (heap == null) {
      throw new IllegalStateException(name + " did not report its heap in " + ANSWER_TIMEOUT);
    }
    return heap;
  }

  /** The state of the child's source, as its health tells it. */
  SourceState state() throws IOException, InterruptedException {
    send("state");
    SourceState state = states.poll(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (state == null) {
      throw new IllegalStateException(name + " did not report its state in " + ANSWER_TIMEOUT);
    }
    return state;
  }

  /**
   * Kills the child with SIGKILL: no shutdown hook, no offset commit, no goodbye to the broker or
   * the database.
   *
   * @return the child's exit code, {@code 137} (128 + SIGKILL) on Linux
   */
  int kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(name + " survived SIGKILL for " + STOP_TIMEOUT);
    }
    output.join(ANSWER_TIMEOUT.toMillis());
    log.info("Killed {}: exit code {}", name, process.exitValue());
    return process.exitValue();
  }

  /** Stops the child cleanly if it still runs, by force if it does not stop in time. */
  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        try {
          send("stop");
          commands.close();
        } catch (IOException e) {
          log.warn("Cannot tell {} to stop", name, e);
        }
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          log.warn("{} did not stop in {}; killing it", name, STOP_TIMEOUT);
          process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
      output.join(ANSWER_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void send(String command) throws IOException {
    commands.write(command + "\n");
    commands.flush();
  }

  private void readOutput() {
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.equals(STREAMING)) {
          streaming = true;
        } else if (line.startsWith(HEAP)) {
          String[] figures = line.substring(HEAP.length()).split(" ");
          heaps.add(new Heap(Long.parseLong(figures[0]), Long.parseLong(figures[1])));
        } else if (line.startsWith(STATE)) {
          states.add(SourceState.valueOf(line.substring(STATE.length())));
        }
        log.info("[{}] {}", name, line);
      }
    } catch (IOException e) {
      log.debug("Output of {} ended", name, e);
    }
  }

  /** The child: a relay on the settings in the arguments, driven by commands on standard input. */
  public static void main(String[] args) throws Exception {
    OutboxSource source =
        new OutboxSource(args[7], args[8], Integer.parseInt(args[9]), args[10], args[11], args[12]);
    RelaySettings settings =
        RelaySettings.of(args[0], List.of(source))
            .withTopics(args[1], args[2])
            .withOffsetFlushInterval(Duration.ofMillis(Long.parseLong(args[3])))
            .withTopicLayout(Integer.parseInt(args[4]), Short.parseShort(args[5]))
            .withStallAfter(Duration.ofMillis(Long.parseLong(args[6])));
    try (OutboxRelay relay = OutboxRelay.start(settings, new SimpleMeterRegistry())) {
      Thread announcer =
          new Thread(
              () -> {
                try {
                  while (!relay.health().streaming()) {
                    Thread.sleep(50);
                  }
                  System.out.println(STREAMING);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "relay-process-announcer");
      announcer.setDaemon(true);
      announcer.start();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null && !line.equals("stop")) {
        if (line.equals("heap")) {
          System.gc();
          MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
          System.out.println(HEAP + heap.getUsed() + " " + heap.getMax());
        } else if (line.equals("state")) {
          System.out.println(STATE + relay.health().sources().get(source.name()));
        }
      }
    }
    // The relay is closed; no thread a library may have left running keeps the child alive.
    System.exit(0);
  }
}
