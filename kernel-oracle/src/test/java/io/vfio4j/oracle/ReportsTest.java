package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The text, JSON and HTML forms of one report built by hand (no QEMU). */
class ReportsTest {
    static OracleReport report() {
        ProbeScenario s =
                new ProbeScenario(
                        "s1",
                        List.of(
                                ProbeOp.of("m", "map", 0x1000000000L, 0L, 0x400000L, 1, 32),
                                ProbeOp.of("g", "dirty", 4, 40, 0L, 0x400000L, 0x1000L),
                                ProbeOp.of("u", "unmap", 0L, 0L, 2, 24, 0)));
        ScenarioResults model =
                new ScenarioResults(
                        "s1",
                        List.of(
                                new ProbeResult("m", "0", 4096, Map.of()),
                                new ProbeResult("g", "0", 4096, Map.of("dirty", "1024")),
                                new ProbeResult("u", "0", 0, Map.of("unmapped", "0x400000"))),
                        Optional.empty(),
                        0);
        ScenarioResults kernel =
                new ScenarioResults(
                        "s1",
                        List.of(
                                new ProbeResult("m", "0", 0, Map.of()),
                                new ProbeResult("g", "EINVAL", 0, Map.of()),
                                new ProbeResult("u", "0", 0, Map.of("unmapped", "0x400000"))),
                        Optional.empty(),
                        0);
        OraclePlan plan =
                new OraclePlan(
                        new ProbeProgram(List.of(s)),
                        Map.of(OraclePlan.key("s1", "m"), "step 1 (line 9): map ram <ro>"),
                        List.of(new OraclePlan.Unchecked("s1", "step 2 (line 10)", "mdev: none")));
        FetchedKernel fk =
                new FetchedKernel(
                        OracleKernel.V6_1,
                        "linux-image-6.1.0-57-amd64",
                        "6.1.192-3",
                        "6.1.0-57-amd64",
                        Path.of("/k"),
                        Path.of("/r"));
        GuestOutput out =
                new GuestOutput("6.1.0-57-amd64", Optional.of(2), List.of(kernel), true, List.of());
        List<StepComparison> steps =
                new ArrayList<>(
                        Comparator.compare(
                                "6.1",
                                plan,
                                s,
                                model,
                                Optional.of(kernel),
                                KnownDifferences.all()));
        KernelComparison k =
                new KernelComparison(
                        OracleKernel.V6_1,
                        new KernelRun(fk, out, Duration.ofMillis(4321)),
                        steps,
                        List.of());
        return new OracleReport("oracle <test>", List.of(k), plan.unchecked());
    }

    @Test
    void theVerdictsOfTheHandBuiltReport() {
        OracleReport r = report();
        KernelComparison k = r.kernels().get(0);
        // m: ZERO-PAGE-6.1; g: DIRTY-GET-ARGSZ; u: model -4096, kernel 0: ZERO-PAGE-6.1 again.
        assertThat(k.steps())
                .extracting(StepComparison::verdict)
                .containsExactly(Verdict.KNOWN, Verdict.KNOWN, Verdict.KNOWN);
        assertThat(k.steps())
                .extracting(c -> c.known().orElseThrow().id())
                .containsExactly("ZERO-PAGE-6.1", "DIRTY-GET-ARGSZ", "ZERO-PAGE-6.1");
        assertThat(r.passed()).isTrue();
    }

    @Test
    void textShowsBothSidesAndTheReason() {
        String t = TextReport.render(report(), false);
        assertThat(t)
                .contains(
                        "kernel 6.1: linux-image-6.1.0-57-amd64 6.1.192-3 (6.1.0-57-amd64, boot 4321 ms); model at vfio4j.kernel=6.1")
                .contains(
                        "  known      step 1 (line 9): map ram <ro>                  ok                     ok                     4096|0")
                .contains("locked_vm: model +4096, kernel 0")
                .contains("errno: model 0, kernel EINVAL")
                .contains(
                        "  0 agree, 3 known differences, 0 following one, 0 unexplained, 0 missing")
                .contains("  [s1] step 2 (line 10): mdev: none")
                .endsWith("oracle: agreed\n");
    }

    @Test
    void jsonIsWellFormedAndCarriesEveryStep() throws Exception {
        String json = JsonReport.render(report());
        int steps = 0;
        List<String> verdicts = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            while (p.nextToken() != null) {
                if (p.currentToken() == JsonToken.FIELD_NAME && p.currentName().equals("verdict")) {
                    p.nextToken();
                    verdicts.add(p.getText());
                    steps++;
                }
            }
        }
        assertThat(steps).isEqualTo(3);
        assertThat(verdicts).containsOnly("known");
        assertThat(json)
                .contains("\"passed\" : true")
                .contains("\"version\" : \"6.1.192-3\"")
                .contains("\"known\" : \"DIRTY-GET-ARGSZ\"")
                .contains("\"known_kind\" : \"model_bug\"")
                .contains("\"reason\" : \"mdev: none\"");
    }

    @Test
    void htmlIsOneSelfContainedEscapedPage() {
        String h = HtmlReport.render(report());
        assertThat(h).startsWith("<!DOCTYPE html>").contains("<title>oracle &lt;test&gt;</title>");
        assertThat(h)
                .doesNotContain("<script")
                .doesNotContain("http://")
                .doesNotContain("https://")
                .doesNotContain("<ro>");
        assertThat(h).contains("step 1 (line 9): map ram &lt;ro&gt;").contains("ZERO-PAGE-6.1");
        // Two tables: the kernel's steps (3 rows) and the unchecked (1 row), plus the header rows.
        assertThat(h.split("<table", -1)).hasSize(3);
        assertThat(h.split("<tr", -1)).hasSize(1 + 4 + 2);
    }
}
