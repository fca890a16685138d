package io.vfio4j.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class HtmlPageTest {
    private static final String HOSTILE = "<script>alert('x')</script> & \"q\"";

    private static String page() {
        Svg svg =
                TimelinePlot.builder()
                        .title("locked_vm")
                        .series("locked_vm", new long[] {1, 2}, new long[] {0, 10})
                        .build();
        return HtmlPage.titled("replay of " + HOSTILE)
                .subtitle(HOSTILE)
                .keyValues(
                        "Summary",
                        List.of(
                                new KeyValue("peak", "10 pages"),
                                new KeyValue("first refused", "line 3: ENOMEM", Tone.BAD)))
                .figure("Timeline", svg)
                .table(
                        new Table(
                                "Calls",
                                List.of("line", "op", "errno"),
                                List.of(
                                        new Row(List.of("1", "MAP", "0")),
                                        new Row(List.of("3", HOSTILE, "ENOMEM"), Tone.BAD))))
                .paragraph(HOSTILE)
                .preformatted(HOSTILE + "\u0007")
                .render();
    }

    @Test
    void isWellFormedAndHoldsEverySectionInOrder() throws Exception {
        Document doc = Xml.parse(page());
        assertThat(Xml.string(doc, "/html/head/title")).isEqualTo("replay of " + HOSTILE);
        assertThat(Xml.string(doc, "/html/body/h1")).isEqualTo("replay of " + HOSTILE);
        assertThat(Xml.nodes(doc, "/html/body/section").getLength()).isEqualTo(3);
        assertThat(Xml.string(doc, "/html/body/section[1]/h2")).isEqualTo("Summary");
        assertThat(Xml.string(doc, "/html/body/section[2]/h2")).isEqualTo("Timeline");
        assertThat(Xml.string(doc, "/html/body/section[3]/h2")).isEqualTo("Calls");
        assertThat(Xml.nodes(doc, "//table/thead/tr/th").getLength()).isEqualTo(3);
        assertThat(Xml.nodes(doc, "//table/tbody/tr").getLength()).isEqualTo(2);
        assertThat(Xml.string(doc, "//table/tbody/tr[2]/@class")).isEqualTo("bad");
        assertThat(Xml.string(doc, "//table/tbody/tr[2]/td[2]")).isEqualTo(HOSTILE);
        assertThat(Xml.string(doc, "//table/tbody/tr[1]/td[1]/@class")).isEqualTo("num");
        assertThat(Xml.string(doc, "//table/tbody/tr[1]/td[2]/@class")).isEmpty();
        assertThat(Xml.string(doc, "//dl/dd[2]/@class")).isEqualTo("bad");
        assertThat(Xml.string(doc, "//dl/dd[1]/@class")).isEmpty();
        assertThat(Xml.nodes(doc, "//figure/*[local-name()='svg']").getLength()).isEqualTo(1);
        assertThat(Xml.string(doc, "//pre")).isEqualTo(HOSTILE + "\uFFFD");
    }

    @Test
    void hostileTextNeverBecomesMarkupAndNothingIsFetched() throws Exception {
        String html = page();
        assertThat(html).doesNotContain("<script").doesNotContain(" src=").doesNotContain(" href=");
        assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http");
        assertThat(Xml.nodes(Xml.parse(html), "//script").getLength()).isZero();
    }

    @Test
    void aRowWithTheWrongNumberOfCellsIsRefused() {
        assertThatThrownBy(() -> new Table("t", List.of("a", "b"), List.of(new Row(List.of("1")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("row 0 has 1 cells for 2 columns");
    }
}
