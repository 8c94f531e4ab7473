package io.tideway.loadtest.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a benchmark's JSON document as {@code report.json} and as an HTML page with charts, {@code
 * index.html}, that needs nothing but a browser: no network, no files beside it.
 *
 * <p>The document is read as it comes; the fields the page shows are:
 *
 * <ul>
 *   <li>{@code title}, {@code generatedAt}, {@code command};
 *   <li>{@code machine}: {@code processors}, {@code memoryBytes}, {@code jvm}, {@code os};
 *   <li>{@code runs[]}: {@code name}, {@code unit}, {@code recordsPerSecond}, {@code
 *       recordsMeasured}, {@code recordsLost}, {@code latencyMs} ({@code p50}, {@code p95}, {@code
 *       p99}, {@code p999}, {@code max}) and {@code timeline[]} ({@code second}, {@code
 *       recordsPerSecond}, {@code p50}, {@code p99}, {@code max});
 *   <li>{@code stages[]}: {@code stage}, {@code p50}, {@code p99}, {@code max}, in milliseconds;
 *   <li>{@code ratios[]}: {@code name}, {@code value}, {@code target}, {@code higherIsBetter};
 *   <li>{@code targets[]}: {@code name}, {@code value}, {@code target}, {@code unit}, {@code met};
 *   <li>{@code memory}: {@code peakPssBytes} (judged against the limit when present), {@code
 *       peakRssBytes}, {@code limitBytes} and {@code processes[]} ({@code name}, {@code
 *       peakRssBytes}).
 * </ul>
 *
 * Other fields are ignored. A missing or empty array is drawn as "No data", a missing figure as a
 * dash, so a partial document still gives a page.
 */
public final class HtmlReport {

  /** The page's file name in the report's directory. */
  public static final String PAGE = "index.html";

  /** The document's file name in the report's directory. */
  public static final String DOCUMENT = "report.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Pattern PLACEHOLDER = Pattern.compile("@@([A-Z]+)@@");

  private HtmlReport() {}

  /**
   * Writes {@code report.json} and {@code index.html} into {@code directory}, creating it if need
   * be and replacing both files if they are there.
   *
   * @param directory where the report goes
   * @param document the benchmark's results, in the shape this class's documentation describes
   * @return the page's path
   * @throws IOException if the directory or a file cannot be written
   */
  public static Path write(Path directory, JsonNode document) throws IOException {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(document, "document");
    Files.createDirectories(directory);
    Files.writeString(
        directory.resolve(DOCUMENT),
        JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(document) + "\n");
    Path page = directory.resolve(PAGE);
    Files.writeString(page, page(document));
    return page;
  }

  /** The page for {@code document}, as {@link #write} writes it. */
  static String page(JsonNode document) throws IOException {
    JsonNode title = document.path("title");
    Map<String, String> values =
        Map.of(
            "TITLE", escapeHtml(title.isTextual() ? title.asText() : "Tideway benchmark report"),
            "STYLE", resource("report.css"),
            "SCRIPT", resource("report.js"),
            "DATA", scriptSafeJson(document));
    // One pass, so that nothing inserted is read again for placeholders.
    return PLACEHOLDER
        .matcher(resource("report.html"))
        .replaceAll(m -> Matcher.quoteReplacement(values.get(m.group(1))));
  }

  /**
   * The document as JSON that can stand inside a {@code <script>} element: {@code <}, {@code >} and
   * {@code &} only occur inside JSON strings, where their {@code \}{@code u} escapes mean the same,
   * so no value can close the element or open a comment; U+2028 and U+2029 are escaped for older
   * script parsers.
   */
  static String scriptSafeJson(JsonNode document) throws IOException {
    String json = JSON.writeValueAsString(document);
    StringBuilder safe = new StringBuilder(json.length() + 64);
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      switch (c) {
        case '<' -> safe.append("\\u003c");
        case '>' -> safe.append("\\u003e");
        case '&' -> safe.append("\\u0026");
        case '\u2028' -> safe.append("\\u2028");
        case '\u2029' -> safe.append("\\u2029");
        default -> safe.append(c);
      }
    }
    return safe.toString();
  }

  static String escapeHtml(String text) {
    StringBuilder escaped = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> escaped.append("&lt;");
        case '>' -> escaped.append("&gt;");
        case '&' -> escaped.append("&amp;");
        case '"' -> escaped.append("&quot;");
        case '\'' -> escaped.append("&#39;");
        default -> escaped.append(c);
      }
    }
    return escaped.toString();
  }

  private static String resource(String name) {
    try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the report's " + name + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the report's " + name, e);
    }
  }
}
