package io.tideway.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads a TCP port, 0 to 65535, refusing any other number as bad input. */
final class PortConverter implements ITypeConverter<Integer> {

  @Override
  public Integer convert(String value) {
    int port;
    try {
      port = Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + value + "' is not a port number");
    }
    if (port < 0 || port > 65535) {
      throw new TypeConversionException("a port is 0 to 65535, not " + port);
    }
    return port;
  }
}
