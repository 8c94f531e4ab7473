package io.tideway.loadtest.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {

  private static final Pattern EMBEDDED =
      Pattern.compile(
          "<script type=\"application/json\" id=\"report-data\">(.*?)</script>", Pattern.DOTALL);

  @TempDir Path dir;

  @Test
  void shouldWriteThePageAndThePrettyPrintedDocument() throws Exception {
    // given
    ObjectNode doc = SampleReports.pipeline();
    Path target = dir.resolve("nested/out");

    // when
    Path page = HtmlReport.write(target, doc);

    // then
    assertThat(page).isEqualTo(target.resolve("index.html")).isRegularFile();
    String json = Files.readString(target.resolve("report.json"));
    assertThat(SampleReports.JSON.readTree(json)).isEqualTo(doc);
    assertThat(json).contains("\n  \"title\" : \"Tideway pipeline benchmark\",\n");
    assertThat(embedded(Files.readString(page))).isEqualTo(doc);
  }

  @Test
  void shouldReplaceAnEarlierReport() throws Exception {
    HtmlReport.write(dir, SampleReports.pipeline());

    Path page = HtmlReport.write(dir, SampleReports.empty());

    assertThat(embedded(Files.readString(page))).isEqualTo(SampleReports.empty());
    assertThat(SampleReports.JSON.readTree(dir.resolve("report.json").toFile()))
        .isEqualTo(SampleReports.empty());
  }

  @Test
  void shouldKeepAStringFromClosingTheScriptElement() throws Exception {
    // given a value that would end the embedded document's script element and start another
    ObjectNode doc = SampleReports.pipeline();
    String hostile = "</script><script>document.title='owned'</script><!-- & \u2028 </SCRIPT >";
    doc.put("title", hostile);
    doc.withArray("runs").addObject().put("name", hostile);

    // when
    String html = Files.readString(HtmlReport.write(dir, doc));

    // then only the page's own two script elements close, and the value comes back intact
    assertThat(Pattern.compile("</script", Pattern.CASE_INSENSITIVE).matcher(html).results())
        .hasSize(2);
    assertThat(html).doesNotContain("<script>document.title", "<!-- &");
    assertThat(embeddedText(html)).doesNotContain("<", ">", "&", "\u2028");
    assertThat(embedded(html)).isEqualTo(doc);
    assertThat(html)
        .contains(
            "<title>&lt;/script&gt;&lt;script&gt;document.title=&#39;owned&#39;&lt;/script&gt;");
  }

  @Test
  void shouldEscapeOnlyInsideStrings() throws Exception {
    JsonNode doc = SampleReports.JSON.readTree("{\"a\":\"<b>&</b>\",\"n\":[1,2]}");

    String safe = HtmlReport.scriptSafeJson(doc);

    assertThat(safe).isEqualTo("{\"a\":\"\\u003cb\\u003e\\u0026\\u003c/b\\u003e\",\"n\":[1,2]}");
    assertThat(SampleReports.JSON.readTree(safe)).isEqualTo(doc);
  }

  @Test
  void canWriteAnEmptyOrOddlyShapedDocument() throws Exception {
    for (String json :
        new String[] {
          "{}",
          SampleReports.empty().toString(),
          "{\"runs\":\"none\",\"stages\":null,\"ratios\":[1,\"x\"],\"memory\":[]}",
          "[]",
          "null"
        }) {
      JsonNode doc = SampleReports.JSON.readTree(json);

      Path page = HtmlReport.write(dir.resolve("doc" + json.hashCode()), doc);

      String html = Files.readString(page);
      assertThat(embedded(html)).as(json).isEqualTo(doc);
      String title =
          doc.path("title").isTextual() ? doc.path("title").asText() : "Tideway benchmark report";
      assertThat(html).as(json).contains("<title>" + title + "</title>");
    }
  }

  @Test
  void shouldSayNoDataInThePageForEveryEmptyPart() throws Exception {
    // the script draws "No data" in a browser (HtmlReportIT checks it); here: every part has it
    String html = Files.readString(HtmlReport.write(dir, SampleReports.empty()));

    assertThat(html)
        .contains(
            "'No data'",
            "No data: the document has no runs.",
            "No data: the document sets no targets.",
            "No data: the document has no memory figures.");
  }

  private static JsonNode embedded(String html) throws Exception {
    return SampleReports.JSON.readTree(embeddedText(html));
  }

  private static String embeddedText(String html) {
    Matcher m = EMBEDDED.matcher(html);
    assertThat(m.find()).as("the embedded document").isTrue();
    return m.group(1);
  }
}
