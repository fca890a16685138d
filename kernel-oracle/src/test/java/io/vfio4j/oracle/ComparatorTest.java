package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ComparatorTest {
    static final ProbeScenario S =
            new ProbeScenario(
                    "s",
                    List.of(
                            ProbeOp.of("ro", "map", 0x1000000000L, 0L, 0x400000L, 1, 32),
                            ProbeOp.of("rw", "map", 0x1000400000L, 0x400000L, 0x400000L, 3, 32),
                            ProbeOp.of("g", "dirty", 4, 40, 0L, 0x400000L, 0x1000L)));

    static ScenarioResults results(ProbeResult... r) {
        return new ScenarioResults("s", List.of(r), Optional.empty(), 0);
    }

    @Test
    void lockedVmIsComparedAsTheChangeEachOperationMade() {
        // The model charges the read-only map, the kernel does not; after that both add 4 MiB.
        ScenarioResults model =
                results(
                        new ProbeResult("ro", "0", 4096, Map.of()),
                        new ProbeResult("rw", "0", 8192, Map.of()));
        ScenarioResults kernel =
                results(
                        new ProbeResult("ro", "0", 0, Map.of()),
                        new ProbeResult("rw", "0", 4096, Map.of()));
        List<StepComparison> c =
                Comparator.compare(
                        "6.12",
                        OraclePlan.of(new ProbeProgram(List.of(S))),
                        S,
                        model,
                        Optional.of(kernel),
                        List.of());
        assertThat(c)
                .extracting(StepComparison::verdict)
                .containsExactly(Verdict.DIFFERENT, Verdict.AGREE);
        assertThat(c.get(0).diffs()).containsExactly(new FieldDiff("locked_vm", "+4096", "0"));
    }

    @Test
    void aListedDifferenceExplainsOnlyItsEraAndFields() {
        ScenarioResults model = results(new ProbeResult("ro", "0", 4096, Map.of()));
        ScenarioResults kernel = results(new ProbeResult("ro", "0", 0, Map.of()));
        OraclePlan plan = OraclePlan.of(new ProbeProgram(List.of(S)));
        StepComparison on61 =
                Comparator.compare(
                                "6.1", plan, S, model, Optional.of(kernel), KnownDifferences.all())
                        .get(0);
        assertThat(on61.verdict()).isEqualTo(Verdict.KNOWN);
        assertThat(on61.known().orElseThrow().id()).isEqualTo("ZERO-PAGE-6.1");
        StepComparison on612 =
                Comparator.compare(
                                "6.12", plan, S, model, Optional.of(kernel), KnownDifferences.all())
                        .get(0);
        assertThat(on612.verdict()).isEqualTo(Verdict.DIFFERENT);
        assertThat(on612.known()).isEmpty();
    }

    @Test
    void theZeroPageDifferenceNeverExplainsAWritableMap() {
        ScenarioResults model =
                results(
                        new ProbeResult("ro", "0", 0, Map.of()),
                        new ProbeResult("rw", "0", 4096, Map.of()));
        ScenarioResults kernel =
                results(
                        new ProbeResult("ro", "0", 0, Map.of()),
                        new ProbeResult("rw", "0", 0, Map.of()));
        List<StepComparison> c =
                Comparator.compare(
                        "6.1",
                        OraclePlan.of(new ProbeProgram(List.of(S))),
                        S,
                        model,
                        Optional.of(kernel),
                        KnownDifferences.all());
        assertThat(c.get(1).verdict()).isEqualTo(Verdict.DIFFERENT);
    }

    @Test
    void theDirtyArgszBugIsExplainedAtArgsz40ButAnErrnoAtOtherSizesIsNot() {
        ScenarioResults model = results(new ProbeResult("g", "0", 0, Map.of("dirty", "1024")));
        ScenarioResults kernel = results(new ProbeResult("g", "EINVAL", 0, Map.of()));
        OraclePlan plan = OraclePlan.of(new ProbeProgram(List.of(S)));
        StepComparison c =
                Comparator.compare(
                                "7.2", plan, S, model, Optional.of(kernel), KnownDifferences.all())
                        .get(0);
        assertThat(c.verdict()).isEqualTo(Verdict.KNOWN);
        assertThat(c.diffs())
                .containsExactly(
                        new FieldDiff("errno", "0", "EINVAL"), new FieldDiff("dirty", "1024", ""));
        ProbeScenario at48 =
                new ProbeScenario(
                        "s", List.of(ProbeOp.of("g", "dirty", 4, 48, 0L, 0x400000L, 0x1000L)));
        StepComparison d =
                Comparator.compare(
                                "7.2",
                                plan,
                                at48,
                                model,
                                Optional.of(kernel),
                                KnownDifferences.all())
                        .get(0);
        assertThat(d.verdict()).isEqualTo(Verdict.DIFFERENT);
    }

    @Test
    void anAnswerOnOneSideOnlyIsMissing() {
        ScenarioResults model =
                results(
                        new ProbeResult("ro", "0", 0, Map.of()),
                        new ProbeResult("rw", "0", 0, Map.of()));
        ScenarioResults kernel = results(new ProbeResult("ro", "0", 0, Map.of()));
        List<StepComparison> c =
                Comparator.compare(
                        "6.12",
                        OraclePlan.of(new ProbeProgram(List.of(S))),
                        S,
                        model,
                        Optional.of(kernel),
                        List.of());
        assertThat(c)
                .extracting(StepComparison::verdict)
                .containsExactly(Verdict.AGREE, Verdict.MISSING);
        List<StepComparison> none =
                Comparator.compare(
                        "6.12",
                        OraclePlan.of(new ProbeProgram(List.of(S))),
                        S,
                        model,
                        Optional.empty(),
                        List.of());
        assertThat(none)
                .extracting(StepComparison::verdict)
                .containsOnly(Verdict.MISSING)
                .hasSize(2);
    }

    @Test
    void aRefusalTheModelMakesOnlyBecauseOf61ZeroPageChargesIsExplainedOnlyOn61() {
        // ro: the model charges 4096 KiB that 6.1 does not; rw: under the limit the model now
        // refuses (ENOMEM) what 6.1, 4096 KiB lighter, allows and charges.
        ScenarioResults model =
                results(
                        new ProbeResult("ro", "0", 4096, Map.of()),
                        new ProbeResult("rw", "ENOMEM", 4096, Map.of()));
        ScenarioResults kernel =
                results(
                        new ProbeResult("ro", "0", 0, Map.of()),
                        new ProbeResult("rw", "0", 4096, Map.of()));
        OraclePlan plan = OraclePlan.of(new ProbeProgram(List.of(S)));
        List<StepComparison> on61 =
                Comparator.compare(
                        "6.1", plan, S, model, Optional.of(kernel), KnownDifferences.all());
        assertThat(on61.get(1).diffs())
                .containsExactly(
                        new FieldDiff("errno", "ENOMEM", "0"),
                        new FieldDiff("locked_vm", "0", "+4096"));
        assertThat(on61.get(1).verdict()).isEqualTo(Verdict.KNOWN);
        List<StepComparison> on72 =
                Comparator.compare(
                        "7.2", plan, S, model, Optional.of(kernel), KnownDifferences.all());
        assertThat(on72).extracting(StepComparison::verdict).containsOnly(Verdict.DIFFERENT);
        // Without a charge carried from before, a writable map refused only by the model is not it.
        ScenarioResults fresh =
                results(
                        new ProbeResult("ro", "0", 0, Map.of()),
                        new ProbeResult("rw", "ENOMEM", 0, Map.of()));
        ScenarioResults kfresh =
                results(
                        new ProbeResult("ro", "0", 0, Map.of()),
                        new ProbeResult("rw", "0", 4096, Map.of()));
        assertThat(
                        Comparator.compare(
                                        "6.1",
                                        plan,
                                        S,
                                        fresh,
                                        Optional.of(kfresh),
                                        KnownDifferences.all())
                                .get(1)
                                .verdict())
                .isEqualTo(Verdict.DIFFERENT);
    }

    @Test
    void afterAListedDifferenceThatChangedStateOnOneSideLaterDifferencesFollowFromIt() {
        ProbeScenario s =
                new ProbeScenario(
                        "s",
                        List.of(
                                ProbeOp.of("ro", "map", 0x1000000000L, 0L, 0x400000L, 1, 32),
                                ProbeOp.of("u", "unmap", 0L, 0x400000L, 0, 24, 0)));
        // 6.1 maps (zero pages, uncharged) what the model refuses under the limit; the later
        // unmap then finds the mapping on 6.1 only.
        ScenarioResults model =
                results(
                        new ProbeResult("ro", "ENOMEM", 0, Map.of()),
                        new ProbeResult("u", "0", 0, Map.of("unmapped", "0x0")));
        ScenarioResults kernel =
                results(
                        new ProbeResult("ro", "0", 0, Map.of()),
                        new ProbeResult("u", "0", 0, Map.of("unmapped", "0x400000")));
        OraclePlan plan = OraclePlan.of(new ProbeProgram(List.of(s)));
        List<StepComparison> c =
                Comparator.compare(
                        "6.1", plan, s, model, Optional.of(kernel), KnownDifferences.all());
        assertThat(c)
                .extracting(StepComparison::verdict)
                .containsExactly(Verdict.KNOWN, Verdict.FOLLOWS);
        assertThat(c.get(1).known().orElseThrow().id()).isEqualTo("ZERO-PAGE-6.1");
        assertThat(
                        Comparator.compare(
                                "7.2", plan, s, model, Optional.of(kernel), KnownDifferences.all()))
                .extracting(StepComparison::verdict)
                .containsExactly(Verdict.DIFFERENT, Verdict.DIFFERENT);
    }
}
