package io.vfio4j.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class BarChartTest {
    @Test
    void drawsOneBarPerSeriesAndCategoryWithExactTooltips() throws Exception {
        Svg svg =
                BarChart.builder()
                        .title("need against limit")
                        .yUnit(Unit.BYTES)
                        .categories(List.of("start", "hotplug <hostdev1>"))
                        .series("vfio4j need", new long[] {1L << 30, 3L << 29})
                        .series("libvirt limit", new long[] {2L << 30, -1})
                        .build();
        Document doc = Xml.parse(svg.markup());
        assertThat(Xml.nodes(doc, "//*[local-name()='rect']").getLength()).isEqualTo(3);
        assertThat(Xml.string(doc, "//*[local-name()='rect'][1]/*"))
                .isEqualTo("vfio4j need, start: 1 GiB");
        assertThat(Xml.string(doc, "//*[local-name()='rect'][3]/*"))
                .isEqualTo("vfio4j need, hotplug <hostdev1>: 1.5 GiB");
        assertThat(svg.markup()).contains(">hotplug &lt;hostdev1&gt;</text>");
    }
}
