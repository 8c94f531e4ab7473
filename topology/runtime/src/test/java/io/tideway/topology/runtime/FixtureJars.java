package io.tideway.topology.runtime;

import io.tideway.topology.TopologyProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Packs the compiled test topologies of {@code io.tideway.fixtures} into topology jars. */
final class FixtureJars {

  private FixtureJars() {}

  /**
   * A jar with every fixture class, offering the given providers (none: a jar with no topology).
   */
  static Path jar(Path dir, String name, List<Class<? extends TopologyProvider>> providers)
      throws IOException {
    Path classes = classesRoot();
    Path jar = dir.resolve(name);
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(classes.resolve("io/tideway/fixtures"))) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
        Files.copy(file, out);
        out.closeEntry();
      }
      if (!providers.isEmpty()) {
        out.putNextEntry(new JarEntry("META-INF/services/" + TopologyProvider.class.getName()));
        write(out, providers.stream().map(Class::getName).collect(Collectors.joining("\n")));
        out.closeEntry();
      }
    }
    return jar;
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
  }

  private static Path classesRoot() {
    try {
      return Path.of(FixtureJars.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
