package io.vfio4j.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;

/** The JSON schema, the table and the HTML page of a plan with a lifecycle. */
class PlanOutputTest {
    static final long GIB = 1L << 30;

    private static PlanResult memoryPlan() {
        return Planner.plan(
                DomainXmlParser.parse(Path.of("src/test/resources/lifecycle/q35-4g-numa-gpu.xml")),
                new Planner.Options(
                        LibvirtEra.CURRENT,
                        0,
                        Planner.Options.DEFAULT_INHERITED,
                        List.of(
                                new LifecycleStep.MemoryPlug(GIB),
                                new LifecycleStep.Unplug("dimm0"))));
    }

    @Test
    void jsonHoldsTheDocumentedFields() throws Exception {
        JsonNode j = new ObjectMapper().readTree(PlanJson.render(memoryPlan()));

        assertThat(j.get("schema").asText()).isEqualTo("vfio4j-plan/1");
        assertThat(j.at("/libvirt/limit_bytes").asLong()).isEqualTo(5 * GIB);
        assertThat(j.at("/libvirt/era").asText()).isEqualTo("current");
        assertThat(j.at("/need/locked_vm_bytes").asLong()).isEqualTo(5 * GIB);
        assertThat(j.at("/need/locked_vm_pages").asLong()).isEqualTo(5 * 262144);
        assertThat(j.at("/need/pinned_vm_bytes").asLong()).isZero();
        assertThat(j.at("/need/min_memlock_bytes").asLong()).isEqualTo(5 * GIB);
        assertThat(j.get("verdict").asText()).isEqualTo("OK");
        // start 5 - 4, plug 6 - 5, unplug 6 (kept) - 4: the tightest is 1 GiB.
        assertThat(j.get("slack_bytes").asLong()).isEqualTo(GIB);
        assertThat(j.get("failure").isNull()).isTrue();
        assertThat(j.get("containers")).hasSize(1);
        assertThat(j.at("/containers/0/devices/0").asText()).isEqualTo("hostdev0");
        assertThat(j.at("/containers/0/charged_bytes").asLong()).isEqualTo(4 * GIB);
        assertThat(j.get("steps")).hasSize(3);
        assertThat(j.at("/steps/1/step").asText()).isEqualTo("memory-plug 1 GiB");
        assertThat(j.at("/steps/1/libvirt_limit_bytes").asLong()).isEqualTo(6 * GIB);
        assertThat(j.at("/steps/2/limit_bytes").asLong()).isEqualTo(6 * GIB);
        assertThat(j.at("/steps/2/libvirt_limit_bytes").asLong()).isEqualTo(5 * GIB);
        assertThat(j.at("/steps/2/need_bytes").asLong()).isEqualTo(4 * GIB);
    }

    @Test
    void theTableHasOneRowPerStep() {
        String t = PlanText.render(memoryPlan());

        assertThat(t)
                .contains(
                        "start              5368709120 (5 GiB)  5368709120 (5 GiB)  4294967296 (4 GiB)  0 (0 B)    OK");
        assertThat(t)
                .contains(
                        "memory-plug 1 GiB  6442450944 (6 GiB)  6442450944 (6 GiB)  5368709120 (5 GiB)  0 (0 B)    OK");
        assertThat(t)
                .contains(
                        "unplug dimm0       5368709120 (5 GiB)  6442450944 (6 GiB)  4294967296 (4 GiB)  0 (0 B)    OK");
        assertThat(t).endsWith("verdict: OK (slack 1073741824 (1 GiB) at the tightest step)\n");
    }

    @Test
    void theHtmlPageIsSelfContainedWithOneBarPairPerStep() throws Exception {
        String html = PlanHtml.render(memoryPlan());
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Document doc = f.newDocumentBuilder().parse(new InputSource(new StringReader(html)));
        var xp = XPathFactory.newInstance().newXPath();

        assertThat(xp.evaluate("/html/head/title", doc)).isEqualTo("vfio4j plan — q35-numa-gpu");
        assertThat(xp.evaluate("count(//svg)", doc)).isEqualTo("1");
        assertThat(xp.evaluate("count(//table)", doc)).isEqualTo("4"); // steps + charges of 3 steps
        assertThat(html).contains("memory-plug 1 GiB").contains("unplug dimm0");
        assertThat(html)
                .doesNotContain("<script")
                .doesNotContain("<link")
                .doesNotContain("@import");
        assertThat(html).doesNotContain("src=\"http").doesNotContain("href=\"http");
    }
}
