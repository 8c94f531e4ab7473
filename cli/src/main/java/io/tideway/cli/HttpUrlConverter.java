package io.tideway.cli;

import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads one HTTP URL, or several separated by commas, such as {@code http://localhost:8081}: a
 * value without its scheme or host is refused as bad input, not left to fail in an HTTP client.
 */
final class HttpUrlConverter implements ITypeConverter<String> {

  @Override
  public String convert(String value) {
    for (String url : value.split(",")) {
      URI uri;
      try {
        uri = new URI(url.strip());
      } catch (URISyntaxException e) {
        throw new TypeConversionException("'" + shown(url) + "' is not a URL: " + e.getReason());
      }
      if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())
          || uri.getHost() == null) {
        throw new TypeConversionException(
            "'" + shown(url) + "' is not an HTTP URL with a host, such as http://localhost:8081");
      }
    }
    return value;
  }

  /** A URL as an error may show it: without the credentials it may carry. */
  private static String shown(String url) {
    return url.replaceAll("//[^/@]*@", "//***@");
  }
}
