package io.tideway.topology.runtime;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;

/**
 * Loads a topology jar's classes from the jar first, so its own libraries win over the runtime's,
 * except the classes both sides must share — the JDK, Kafka, Avro, logging, Jackson, and Tideway's
 * API, serde and event contracts — which always come from the runtime.
 */
final class TopologyClassLoader extends URLClassLoader {

  private static final List<String> SHARED =
      List.of(
          "java.",
          "javax.",
          "jdk.",
          "sun.",
          "org.apache.kafka.",
          "org.apache.avro.",
          "org.slf4j.",
          "com.fasterxml.jackson.",
          "io.tideway.topology.",
          "io.tideway.topics.",
          "io.tideway.schemas.",
          "io.tideway.contracts.");

  static {
    registerAsParallelCapable();
  }

  TopologyClassLoader(String name, URL jar, ClassLoader runtime) {
    super(name, new URL[] {jar}, runtime);
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (shared(name)) {
      return super.loadClass(name, resolve);
    }
    synchronized (getClassLoadingLock(name)) {
      Class<?> loaded = findLoadedClass(name);
      if (loaded == null) {
        try {
          loaded = findClass(name);
        } catch (ClassNotFoundException notInJar) {
          loaded = getParent().loadClass(name);
        }
      }
      if (resolve) {
        resolveClass(loaded);
      }
      return loaded;
    }
  }

  @Override
  public URL getResource(String name) {
    URL own = findResource(name);
    return own != null ? own : super.getResource(name);
  }

  private static boolean shared(String className) {
    for (String prefix : SHARED) {
      if (className.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
