package io.vfio4j.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.util.Optional;
import java.util.OptionalLong;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/** The HTML page's structure for real traces whose answers are worked out by hand. */
class HtmlReportTest {
    private static final XPath XPATH = XPathFactory.newInstance().newXPath();

    private static Document parse(String html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        return f.newDocumentBuilder().parse(new InputSource(new StringReader(html)));
    }

    private static int count(Document doc, String xpath) throws Exception {
        return ((NodeList) XPATH.evaluate(xpath, doc, XPathConstants.NODESET)).getLength();
    }

    private static String render(String trace, ReplayOptions options) throws Exception {
        Replay replay =
                Replay.prepare(RealTracesTest.DIR.resolve(trace), Optional.empty(), options);
        HtmlReport report = new HtmlReport(trace, options);
        ReplaySummary s = replay.run(report);
        return report.render(s);
    }

    @Test
    void thePageHoldsTheSummaryThePlotEveryCallAndTheSkippedLines() throws Exception {
        String html = render("lp1879175-igd-passthrough-boot.log", ReplayOptions.defaults());
        assertThat(html).doesNotContain("<script").doesNotContain("<link").doesNotContain("url(");
        Document doc = parse(html);
        assertThat(XPATH.evaluate("/html/head/title", doc))
                .isEqualTo("vfio4j replay — lp1879175-igd-passthrough-boot.log");
        // Summary, figure, calls, lines not replayed; the guessed blocks' warning is a paragraph.
        assertThat(count(doc, "/html/body/section")).isEqualTo(4);
        assertThat(XPATH.evaluate("//dl/dd[starts-with(., '1,843,264 pages')]", doc))
                .isEqualTo("1,843,264 pages (7.03 GiB) at line 17");
        assertThat(count(doc, "//section[h2='Calls']/table/tbody/tr")).isEqualTo(15);
        assertThat(XPATH.evaluate("//section[h2='Calls']/table/tbody/tr[6]/td[8]", doc))
                .isEqualTo("1,843,264");
        assertThat(count(doc, "//section[h2='Lines not replayed']/table/tbody/tr")).isEqualTo(2);
        assertThat(count(doc, "//*[local-name()='svg']")).isEqualTo(1);
        assertThat(count(doc, "//*[local-name()='circle'][@class='mark']")).isZero();
    }

    @Test
    void underALimitTheRefusedCallIsMarkedAndTheLimitDrawn() throws Exception {
        ReplayOptions limited = ReplayOptions.defaults().withMemlock(OptionalLong.of(3L << 30));
        Document doc = parse(render("lp1879175-igd-passthrough-boot.log", limited));
        // At 3 GiB the MAPs of lines 16 (pc.bios, 786,496 > 786,432 pages) and 17 are refused.
        assertThat(count(doc, "//*[local-name()='circle'][@class='mark']")).isEqualTo(2);
        assertThat(XPATH.evaluate("//section[h2='Calls']/table/tbody/tr[5]/td[5]", doc))
                .isEqualTo("ENOMEM");
        assertThat(XPATH.evaluate("//dl/dd[starts-with(., 'line ')]", doc))
                .isEqualTo("line 16: MAP ENOMEM");
    }
}
