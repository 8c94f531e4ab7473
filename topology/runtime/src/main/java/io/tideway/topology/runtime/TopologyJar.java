package io.tideway.topology.runtime;

import io.tideway.topology.TopologyProvider;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.JarFile;

/**
 * A topology jar opened in a {@link TopologyClassLoader} of its own: the jar sees the platform's
 * API, Kafka and Avro as the runtime has them, its own libraries before the runtime's, and never
 * another jar's classes.
 */
final class TopologyJar implements AutoCloseable {

  private final Path path;
  private final URLClassLoader loader;
  private final List<TopologyProvider> providers;

  private TopologyJar(Path path, URLClassLoader loader, List<TopologyProvider> providers) {
    this.path = path;
    this.loader = loader;
    this.providers = providers;
  }

  /**
   * Opens a jar and instantiates its providers.
   *
   * @throws DeploymentException when the file is not a readable jar, lists no provider, or a
   *     provider cannot be instantiated
   */
  static TopologyJar open(Path path) {
    if (!Files.isRegularFile(path)) {
      throw new DeploymentException(path + " is not a file");
    }
    try (JarFile jar = new JarFile(path.toFile())) {
      jar.size();
    } catch (IOException e) {
      throw new DeploymentException(path + " is not a jar: " + e.getMessage(), e);
    }
    URLClassLoader loader =
        new TopologyClassLoader(
            "topology:" + path.getFileName(), url(path), TopologyJar.class.getClassLoader());
    List<TopologyProvider> providers = new ArrayList<>();
    try {
      for (TopologyProvider provider : ServiceLoader.load(TopologyProvider.class, loader)) {
        // The service file is read through the parent too: keep only this jar's providers.
        if (provider.getClass().getClassLoader() == loader) {
          providers.add(provider);
        }
      }
    } catch (ServiceConfigurationError | LinkageError e) {
      closeQuietly(loader);
      throw new DeploymentException(
          path.getFileName() + ": a topology provider cannot be loaded: " + e.getMessage(), e);
    }
    if (providers.isEmpty()) {
      closeQuietly(loader);
      throw new DeploymentException(
          path.getFileName()
              + " offers no topology: list TopologyProvider implementations in"
              + " META-INF/services/"
              + TopologyProvider.class.getName());
    }
    return new TopologyJar(path, loader, List.copyOf(providers));
  }

  Path path() {
    return path;
  }

  ClassLoader loader() {
    return loader;
  }

  List<TopologyProvider> providers() {
    return providers;
  }

  @Override
  public void close() {
    closeQuietly(loader);
  }

  private static URL url(Path path) {
    try {
      return path.toUri().toURL();
    } catch (MalformedURLException e) {
      throw new DeploymentException(path + " cannot be opened: " + e.getMessage(), e);
    }
  }

  private static void closeQuietly(URLClassLoader loader) {
    try {
      loader.close();
    } catch (IOException e) {
      // Only open jar handles remain; they are released with the loader.
    }
  }
}
