package io.vfio4j.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class TimelinePlotTest {
    @Test
    void aLongLegendWidensThePictureInsteadOfBeingCut() throws Exception {
        // A series' legend starts at 84 + 726 + 14 + 28 = 852; its 34 characters at 7 px need 238
        // more
        // plus an 8 px margin: 1,098 pixels. A short legend keeps the 960 of every plot.
        String longName = "RLIMIT_MEMLOCK of qemu at the end";
        Svg wide =
                TimelinePlot.builder()
                        .title("t")
                        .xLabel("step")
                        .yLabel("locked_vm")
                        .series(longName + "x", new long[] {0, 1}, new long[] {0, 1})
                        .build();
        Document doc = Xml.parse(wide.markup());
        assertThat(Xml.string(doc, "/*[local-name()='svg']/@width")).isEqualTo("1098");
        assertThat(Xml.string(doc, "/*[local-name()='svg']/@viewBox")).isEqualTo("0 0 1098 380");
        Svg narrow =
                TimelinePlot.builder()
                        .title("t")
                        .xLabel("step")
                        .yLabel("locked_vm")
                        .series("qemu", new long[] {0, 1}, new long[] {0, 1})
                        .build();
        assertThat(Xml.string(Xml.parse(narrow.markup()), "/*[local-name()='svg']/@width"))
                .isEqualTo("960");
    }

    @Test
    void drawsEachSeriesAsAStepPathWithLimitsAndMarks() throws Exception {
        Svg svg =
                TimelinePlot.builder()
                        .title("locked_vm <peak>")
                        .xLabel("trace line")
                        .yLabel("locked_vm")
                        .yUnit(Unit.PAGES_4K)
                        .series("locked_vm", new long[] {0, 10, 20}, new long[] {0, 262144, 131072})
                        .limit("RLIMIT_MEMLOCK", 262144)
                        .mark(20, 131072, "line 20: ENOMEM")
                        .build();
        Document doc = Xml.parse(svg.markup());
        assertThat(Xml.string(doc, "/*[local-name()='svg']/*[local-name()='title']"))
                .isEqualTo("locked_vm <peak>");
        assertThat(Xml.nodes(doc, "//*[local-name()='path'][@class='series']").getLength())
                .isEqualTo(1);
        // x 0..20 spans the 726-pixel plot (960 - 84 left - 150 legend) from x=84: line 10 at
        // 84 + 363 = 447, line 20 at 810; y 0..262144 pages spans 280 pixels up from y=324: the
        // path rises to the limit at line 10 and falls to half at line 20.
        assertThat(Xml.string(doc, "//*[local-name()='path']/@d"))
                .isEqualTo("M84.0 324.0H447.0V44.0H810.0V184.0H810.0");
        assertThat(Xml.nodes(doc, "//*[local-name()='line'][@class='limit']").getLength())
                .isEqualTo(1);
        assertThat(Xml.string(doc, "//*[local-name()='line'][@class='limit']/@y1"))
                .isEqualTo("44.0");
        assertThat(Xml.string(doc, "//*[local-name()='circle'][@class='mark']/*"))
                .isEqualTo("line 20: ENOMEM");
        assertThat(svg.markup()).contains(">1 GiB</text>").contains(">RLIMIT_MEMLOCK 1 GiB</text>");
    }

    @Test
    void aMillionPointSeriesIsThinnedButKeepsItsPeak() throws Exception {
        int n = 1_000_000;
        long[] x = new long[n];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
            y[i] = i % 1000;
        }
        y[777_777] = 5000; // one spike in the middle
        Svg svg = TimelinePlot.builder().series("s", x, y).build();
        String d = Xml.string(Xml.parse(svg.markup()), "//*[local-name()='path']/@d");
        long segments = d.chars().filter(ch -> ch == 'V').count();
        assertThat(segments).isLessThanOrEqualTo(TimelinePlot.MAX_POINTS);
        // The spike is the top of the axis (5000 is a round step), drawn at the plot's top edge.
        assertThat(d).contains("V44.0");
    }

    @Test
    void xValuesMustAscend() {
        assertThatThrownBy(
                        () ->
                                TimelinePlot.builder()
                                        .series("s", new long[] {2, 1}, new long[] {0, 0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("series s: x values must ascend (index 1)");
    }

    @Test
    void anEmptyPlotIsStillADrawing() throws Exception {
        Document doc = Xml.parse(TimelinePlot.builder().title("nothing").build().markup());
        assertThat(Xml.nodes(doc, "//*[local-name()='path']").getLength()).isZero();
    }
}
