package io.tideway.loadtest;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The machine a run was measured on, so figures from different machines are not compared blindly.
 *
 * @param availableProcessors processors the JVM may use
 * @param totalMemoryBytes physical memory, or -1 when the JVM does not tell
 * @param maxHeapBytes the JVM's heap limit
 * @param jvm the JVM's name and full version
 * @param os the operating system and architecture
 */
public record Machine(
    int availableProcessors, long totalMemoryBytes, long maxHeapBytes, String jvm, String os) {

  /** This machine and JVM. */
  public static Machine current() {
    OperatingSystemMXBean system = ManagementFactory.getOperatingSystemMXBean();
    long memory =
        system instanceof com.sun.management.OperatingSystemMXBean sun
            ? sun.getTotalMemorySize()
            : -1;
    return new Machine(
        Runtime.getRuntime().availableProcessors(),
        memory,
        Runtime.getRuntime().maxMemory(),
        System.getProperty("java.vm.name") + " " + Runtime.version(),
        System.getProperty("os.name") + " " + System.getProperty("os.arch"));
  }
}
