package io.tideway.cli;

import picocli.CommandLine.IVersionProvider;

/** The version written into the jar's manifest at build time. */
final class TidewayVersion implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = Tideway.class.getPackage().getImplementationVersion();
    return new String[] {"tideway " + (version == null ? "(development build)" : version)};
  }
}
