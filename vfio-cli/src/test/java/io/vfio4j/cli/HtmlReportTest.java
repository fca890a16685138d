package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/** {@code run --html}: the page's structure for a shipped scenario whose answers are known. */
class HtmlReportTest {
    @TempDir Path dir;

    private static final XPath XPATH = XPathFactory.newInstance().newXPath();

    private static Document parse(String html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        return f.newDocumentBuilder().parse(new InputSource(new StringReader(html)));
    }

    private static int count(Document doc, String xpath) throws Exception {
        return ((NodeList) XPATH.evaluate(xpath, doc, XPathConstants.NODESET)).getLength();
    }

    @Test
    void passthroughScenarioPageHoldsSummaryTimelineAndEveryStep() throws Exception {
        Path html = dir.resolve("r.html");
        CliRunner r =
                CliRunner.run(
                        "run",
                        "-q",
                        "--html",
                        html.toString(),
                        "../examples/scenarios/type1-1-passthrough.yaml");
        assertThat(r.exitCode).as(r.err()).isZero();
        Document doc = parse(Files.readString(html));
        assertThat(XPATH.evaluate("/html/body/h1", doc))
                .isEqualTo("vfio4j run: 1 of 1 scenarios passed");
        // Summary, figure, steps.
        assertThat(count(doc, "/html/body/section")).isEqualTo(3);
        assertThat(XPATH.evaluate("//dl/dd[1]", doc)).isEqualTo("passed");
        // 16 steps, each one row; two were refused (EINVAL at step 2, ENOMEM at step 14) and are
        // the plot's two marks.
        assertThat(count(doc, "//table/tbody/tr")).isEqualTo(16);
        assertThat(count(doc, "//*[local-name()='circle'][@class='mark']")).isEqualTo(2);
        assertThat(XPATH.evaluate("//table/tbody/tr[14]/td[5]", doc)).isEqualTo("ENOMEM");
        // The peak: 3 GiB + 1 GiB of RAM pinned, 1,048,576 pages after step 6.
        assertThat(XPATH.evaluate("//table/tbody/tr[6]/td[8]", doc)).isEqualTo("1048576");
        assertThat(XPATH.evaluate("//dl/dd[starts-with(., 'peak locked_vm')]", doc))
                .startsWith(
                        "peak locked_vm 1048576 pages (4 GiB), final 0 pages (0 B), RLIMIT_MEMLOCK 3 GiB");
        assertThat(count(doc, "//*[local-name()='line'][@class='limit']")).isEqualTo(1);
    }

    @Test
    void anUnwritableReportIsAUsageErrorAfterTheRun() {
        CliRunner r =
                CliRunner.run(
                        "run",
                        "-q",
                        "--html",
                        dir.resolve("missing/r.html").toString(),
                        "../examples/scenarios/type1-1-passthrough.yaml");
        assertThat(r.exitCode).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err())
                .isEqualTo(
                        "vfio4j: cannot write "
                                + dir.resolve("missing/r.html")
                                + ": the directory "
                                + dir.resolve("missing")
                                + " does not exist\n");
    }
}
