package io.tideway.loadtest.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report as a browser shows it: headless Chromium opens the page, runs its script, and the DOM
 * it leaves is checked. The full sample's report stays in {@code target/html-report-it} to look at.
 */
@Tag("chromium")
class HtmlReportIT {

  private static final Path KEPT = Path.of("target", "html-report-it");

  @TempDir static Path work;

  private static ObjectNode sample;
  private static Path page;
  private static Document dom;

  @BeforeAll
  static void drawTheSampleReport() throws Exception {
    HeadlessChromium.requireInstalled();
    sample = SampleReports.pipeline();
    page = HtmlReport.write(KEPT, sample);
    dom = Jsoup.parse(new HeadlessChromium(work).dumpDom(page));
  }

  @Test
  void shouldRunTheScriptWithoutError() {
    assertThat(dom.select(".error")).as("script errors on the page").isEmpty();
    assertThat(dom.select("header h1").text()).isEqualTo("Tideway pipeline benchmark");
    assertThat(dom.title()).isEqualTo("Tideway pipeline benchmark");
  }

  @Test
  void shouldDrawThroughputWithEveryTimelinePoint() {
    assertChart("throughput", SampleReports.points(sample, "throughput"));
    assertThat(SampleReports.points(sample, "throughput")).isEqualTo(4 * SampleReports.SECONDS);
  }

  @Test
  void shouldDrawLatencyPercentilesForEachRunWithATimeline() {
    for (String slug : List.of("tideway-pipeline", "spring-modulith", "produce", "passthrough")) {
      assertChart("latency-" + slug, 3 * SampleReports.SECONDS);
    }
    assertThat(dom.select("svg[data-chart=latency-insert-only-ceiling]"))
        .as("the insert-only ceiling has no timeline")
        .isEmpty();
  }

  @Test
  void shouldDrawStagesAndRatios() {
    assertChart("stages", SampleReports.points(sample, "stages"));
    assertChart("ratios", SampleReports.points(sample, "ratios"));
    Element ratios = chart("ratios");
    assertThat(ratios.select("rect.mark[fill=#1a7f37]")).as("ratios meeting target").hasSize(2);
    assertThat(ratios.select("rect.mark[fill=#c62828]")).as("ratios missing target").hasSize(1);
    assertThat(ratios.select("line.target")).hasSize(3);
  }

  @Test
  void shouldLabelChartsForScreenReaders() {
    for (Element svg : dom.select("svg[data-chart]")) {
      assertThat(svg.attr("aria-label")).as(svg.attr("data-chart")).isNotBlank();
      assertThat(svg.selectFirst("title")).as(svg.attr("data-chart")).isNotNull();
    }
  }

  @Test
  void shouldListTheRunsWithTheirFigures() {
    Element runs = dom.selectFirst("table[data-table=runs]");
    assertThat(runs).isNotNull();
    assertThat(runs.select("tbody tr")).hasSize(SampleReports.RUNS.size());
    assertThat(runs.select("tbody tr th").eachText()).isEqualTo(SampleReports.RUNS);
    assertThat(row(runs, "tideway pipeline"))
        .containsExactly(
            "tideway pipeline",
            "1,234.5 events/s",
            "74,070",
            "0",
            "12.1",
            "48.1",
            "80.2",
            "120",
            "297");
    assertThat(row(runs, "insert-only ceiling")).contains("2,500 transactions/s", "3.2", "9.5");
  }

  @Test
  void shouldJudgeTargetsAndShowMemory() {
    Element targets = dom.selectFirst("table[data-table=targets]");
    assertThat(targets).isNotNull();
    assertThat(row(targets, "HTTP→queryable p99 at 1,000 events/s"))
        .containsExactly("HTTP→queryable p99 at 1,000 events/s", "80.2 ms", "150 ms", "met");
    assertThat(targets.select(".badge.missed").eachText()).containsExactly("missed");
    Element memory = dom.selectFirst("table[data-table=memory]");
    assertThat(memory).isNotNull();
    assertThat(row(memory, "tideway up")).containsExactly("tideway up", "1.4 GiB");
    assertThat(dom.text()).contains("Peak PSS 2.33 GiB", "RSS summed 3.26 GiB", "Limit 3 GiB");
    assertThat(dom.select(".card.met").eachText())
        .as("memory judged by PSS, as the benchmark judges it")
        .anyMatch(card -> card.startsWith("Peak memory (PSS) 2.33 GiB"));
  }

  @Test
  void shouldLoadNothingFromTheNetwork() throws IOException {
    String html = Files.readString(page);
    assertThat(html).doesNotContain("<link", "src=", "url(", "@import", "fetch(");
    assertThat(Pattern.compile("https?://[^'\"\\s)]+").matcher(html).results().map(m -> m.group()))
        .as("addresses in the page")
        .containsOnly("http://www.w3.org/2000/svg");
    assertThat(KEPT.resolve(HtmlReport.DOCUMENT)).isRegularFile();
  }

  @Test
  void shouldShowMarkupInTheDocumentAsText() throws Exception {
    ObjectNode doc = SampleReports.pipeline();
    String hostile = "</script><pre class=\"error\">injected</pre><!--";
    doc.put("title", hostile);
    ((ObjectNode) doc.withArray("runs").get(0)).put("name", hostile);

    Document shown = draw(doc, "hostile");

    assertThat(shown.select(".error")).isEmpty();
    assertThat(shown.select("header h1").text()).isEqualTo(hostile);
    assertThat(shown.select("table[data-table=runs] tbody tr th").eachText()).contains(hostile);
    assertThat(shown.select("svg[data-chart^=latency-script-pre-class-error-injected-pre]"))
        .hasSize(1);
  }

  @Test
  void shouldSayNoDataForAnEmptyDocument() throws Exception {
    Document shown = draw(SampleReports.empty(), "empty");

    assertThat(shown.select(".error")).isEmpty();
    for (String name : List.of("throughput", "latency", "stages", "ratios")) {
      Element svg = shown.selectFirst("svg[data-chart=" + name + "]");
      assertThat(svg).as(name).isNotNull();
      assertThat(svg.attr("data-points")).as(name).isEqualTo("0");
      assertThat(svg.select(".mark")).as(name).isEmpty();
      assertThat(svg.text()).as(name).contains("No data");
    }
    assertThat(shown.select("p.nodata")).hasSize(3);
  }

  @Test
  void shouldShowAScriptErrorOnThePage() throws Exception {
    // given a page whose embedded document the script cannot parse
    Path broken = HtmlReport.write(work.resolve("broken"), SampleReports.empty());
    Files.writeString(broken, Files.readString(broken).replace("\"runs\":[]", "\"runs\":[,"));

    // when
    Document shown = Jsoup.parse(new HeadlessChromium(work).dumpDom(broken));

    // then the checks above would see it
    assertThat(shown.select("pre.error").text()).contains("could not be drawn", "JSON");
  }

  @Test
  void shouldPaintMoreThanABlankPage() throws Exception {
    HeadlessChromium chromium = new HeadlessChromium(work);
    Path blankPage =
        Files.writeString(work.resolve("blank.html"), "<!DOCTYPE html><title>-</title>");
    Path blank = work.resolve("blank.png");
    Path report = KEPT.resolve("screenshot.png");
    chromium.screenshot(blankPage, blank, 1280, 2000);
    chromium.screenshot(page, report, 1280, 2000);

    assertThat(Files.size(report)).isGreaterThan(10 * Files.size(blank));
    BufferedImage image = ImageIO.read(report.toFile());
    assertThat(image.getWidth()).isEqualTo(1280);
    assertThat(distinctColours(image)).as("colours in the screenshot").isGreaterThan(50);
  }

  private void assertChart(String name, int points) {
    Element svg = chart(name);
    assertThat(svg.attr("data-points")).as("%s's data-points", name).isEqualTo("" + points);
    assertThat(svg.select(".mark").size()).as("%s's marks", name).isGreaterThanOrEqualTo(points);
  }

  private static Element chart(String name) {
    Element svg = dom.selectFirst("svg[data-chart=" + name + "]");
    assertThat(svg).as("chart %s", name).isNotNull();
    return svg;
  }

  private static List<String> row(Element table, String first) {
    Element row =
        table.select("tbody tr").stream()
            .filter(tr -> tr.child(0).text().equals(first))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no row for " + first));
    return row.children().eachText();
  }

  private static Document draw(ObjectNode doc, String name) throws Exception {
    Path drawn = HtmlReport.write(work.resolve(name), doc);
    return Jsoup.parse(new HeadlessChromium(work).dumpDom(drawn));
  }

  private static int distinctColours(BufferedImage image) {
    return (int)
        java.util.stream.IntStream.range(0, image.getHeight())
            .flatMap(
                y ->
                    java.util.stream.IntStream.range(0, image.getWidth())
                        .map(x -> image.getRGB(x, y)))
            .distinct()
            .limit(1000)
            .count();
  }
}
