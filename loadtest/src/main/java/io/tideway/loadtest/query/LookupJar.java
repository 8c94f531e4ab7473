package io.tideway.loadtest.query;

import io.tideway.topology.TopologyProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * Packs {@link CustomerLookups} into a topology jar: its class and the service file naming it. The
 * runtime loads it in a classloader of its own, as it would a user's jar; everything else the
 * topology uses is shared with the runtime.
 */
final class LookupJar {

  private LookupJar() {}

  static Path write(Path dir) throws IOException {
    Path jar = dir.resolve("loadtest-customer-lookups.jar");
    String classFile = CustomerLookups.class.getName().replace('.', '/') + ".class";
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        InputStream bytes = CustomerLookups.class.getClassLoader().getResourceAsStream(classFile)) {
      if (bytes == null) {
        throw new IOException("Cannot read " + classFile + " from the class path");
      }
      out.putNextEntry(new JarEntry(classFile));
      bytes.transferTo(out);
      out.closeEntry();
      out.putNextEntry(new JarEntry("META-INF/services/" + TopologyProvider.class.getName()));
      out.write(CustomerLookups.class.getName().getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    return jar;
  }
}
