package io.vfio4j.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Writes a page with every kind of part to {@code target/report-sample.html}, so that a person can
 * open it in a browser (or render it headless) and look at the layout.
 */
class SamplePageTest {
    @Test
    void writesASamplePageWithEveryPart() throws Exception {
        int n = 2000;
        long[] x = new long[n];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            x[i] = 10 + i * 3L;
            y[i] = Math.min(300_000, (long) i * 200) - (i > 1500 ? (i - 1500) * 300L : 0);
        }
        String html =
                HtmlPage.titled("vfio4j report sample")
                        .subtitle("TYPE1v2, one passthrough group, RLIMIT_MEMLOCK 1 GiB")
                        .keyValues(
                                "Summary",
                                List.of(
                                        new KeyValue("calls replayed", "2,000"),
                                        new KeyValue("peak locked_vm", "300,000 pages (1.1 GiB)"),
                                        new KeyValue("verdict", "OK", Tone.GOOD),
                                        new KeyValue(
                                                "first refused call",
                                                "line 3,931: ENOMEM",
                                                Tone.BAD)))
                        .figure(
                                "locked_vm over the trace",
                                TimelinePlot.builder()
                                        .title("locked_vm")
                                        .xLabel("trace line")
                                        .yLabel("locked_vm")
                                        .yUnit(Unit.PAGES_4K)
                                        .series("locked_vm", x, y)
                                        .limit("RLIMIT_MEMLOCK", 262144)
                                        .mark(3931, 262144, "line 3931: MAP refused, ENOMEM")
                                        .build())
                        .figure(
                                "Need against limit",
                                BarChart.builder()
                                        .title("need against libvirt's limit")
                                        .yLabel("bytes")
                                        .yUnit(Unit.BYTES)
                                        .categories(
                                                List.of("start", "hotplug hostdev1", "unplug net0"))
                                        .series(
                                                "vfio4j need",
                                                new long[] {4L << 30, 8L << 30, 4L << 30})
                                        .series(
                                                "libvirt limit",
                                                new long[] {5L << 30, 5L << 30, 5L << 30})
                                        .build())
                        .table(
                                new Table(
                                        "Calls",
                                        List.of("line", "op", "iova", "size", "errno", "locked_vm"),
                                        List.of(
                                                new Row(
                                                        List.of(
                                                                "12",
                                                                "MAP",
                                                                "0x0",
                                                                "0x80000000",
                                                                "0",
                                                                "524288")),
                                                new Row(
                                                        List.of(
                                                                "3931",
                                                                "MAP",
                                                                "0x100000000",
                                                                "0x40000000",
                                                                "ENOMEM",
                                                                "262144"),
                                                        Tone.BAD),
                                                new Row(
                                                        List.of(
                                                                "4000",
                                                                "UNMAP",
                                                                "0x0",
                                                                "0x80000000",
                                                                "0",
                                                                "0"),
                                                        Tone.MUTED))))
                        .preformatted(
                                "vfio_listener_region_add_ram region_add [ram] 0x0 - 0x7fffffff [0x7f0000000000]")
                        .render();
        Path out = Path.of("target", "report-sample.html");
        Files.createDirectories(out.getParent());
        Files.writeString(out, html);
        assertThat(Xml.nodes(Xml.parse(html), "//*[local-name()='svg']").getLength()).isEqualTo(2);
    }
}
