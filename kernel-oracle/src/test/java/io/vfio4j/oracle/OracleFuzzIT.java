package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Differential fuzzing: seeded random type1 sequences, and sequences that mix MAP/UNMAP, the
 * passthrough group joining and leaving and the test vendor driver's pins and unpins, on each real
 * kernel and on the model at its era. Every unexplained difference is shrunk to a minimal
 * reproduction (one boot a round) and reported. Short by default (6 type1 sequences and 4 with
 * pins, of 40 operations, a kernel); {@code -Dvfio4j.long=true} runs 48 and 32 of 150. {@code
 * -Dvfio4j.oracle.seed=N} picks the first seed (default 2026).
 */
class OracleFuzzIT {
    private static final boolean LONG = Boolean.getBoolean("vfio4j.long");
    private static final int LENGTH = LONG ? 150 : 40;
    private static final long SEED = Long.getLong("vfio4j.oracle.seed", 2026L);

    @Test
    void randomSequencesShowNoUnexplainedDifference() throws IOException {
        List<ProbeScenario> scenarios = new ArrayList<>();
        for (int i = 0; i < (LONG ? 48 : 6); i++) {
            scenarios.add(FuzzGenerator.scenario(SEED + i, LENGTH));
        }
        fuzz(scenarios, "oracle-fuzz.txt");
    }

    @Test
    void randomSequencesWithPinsShowNoUnexplainedDifference() throws IOException {
        List<ProbeScenario> scenarios = new ArrayList<>();
        for (int i = 0; i < (LONG ? 32 : 4); i++) {
            scenarios.add(MdevFuzzGenerator.scenario(SEED + i, LENGTH));
        }
        fuzz(scenarios, "oracle-fuzz-pins.txt");
    }

    private static void fuzz(List<ProbeScenario> scenarios, String report) throws IOException {
        OraclePlan plan = OraclePlan.of(new ProbeProgram(scenarios));
        KernelOracle kernels = KernelOracle.create(OracleSettings.fromSystemProperties());
        List<KnownDifference> known = KnownDifferences.all();
        StringBuilder found = new StringBuilder();
        StringBuilder summary = new StringBuilder();
        for (OracleKernel k : OracleKernel.values()) {
            KernelComparison c = Oracle.compare(k, kernels.run(k, plan.program()), plan, known);
            summary.append(
                    String.format(
                            "%s: %d operations, %d agree, %d known, %d following one, %d"
                                    + " unexplained, %d missing%n",
                            k.era(),
                            c.steps().size(),
                            c.count(Verdict.AGREE),
                            c.count(Verdict.KNOWN),
                            c.count(Verdict.FOLLOWS),
                            c.count(Verdict.DIFFERENT),
                            c.count(Verdict.MISSING)));
            assertThat(c.problems()).as(k.era()).isEmpty();
            for (ProbeScenario s : scenarios) {
                Optional<StepComparison> first =
                        c.steps().stream()
                                .filter(x -> x.scenario().equals(s.name()))
                                .filter(
                                        x ->
                                                x.verdict() == Verdict.DIFFERENT
                                                        || x.verdict() == Verdict.MISSING)
                                .findFirst();
                if (first.isPresent()) {
                    ProbeScenario min =
                            Shrinker.shrink(
                                    s,
                                    first.get().op().id(),
                                    p -> differing(kernels, k, p, first.get().op().id(), known),
                                    16);
                    found.append("kernel ")
                            .append(k.era())
                            .append(", ")
                            .append(s.name())
                            .append(", operation ")
                            .append(first.get().op().line())
                            .append(": ")
                            .append(first.get().diffs())
                            .append("\nminimal reproduction:\n")
                            .append(new ProbeProgram(List.of(min)).render())
                            .append('\n');
                }
            }
        }
        Path out = Path.of("target", report);
        Files.createDirectories(out.getParent());
        Files.writeString(out, summary + "\n" + found);
        assertThat(found.toString()).as(summary.toString()).isEmpty();
    }

    /**
     * The scenarios of {@code p} in which operation {@code id} differs unexplained on {@code k}.
     */
    private static List<String> differing(
            KernelOracle kernels,
            OracleKernel k,
            ProbeProgram p,
            String id,
            List<KnownDifference> known) {
        OraclePlan plan = OraclePlan.of(p);
        KernelComparison c = Oracle.compare(k, kernels.run(k, p), plan, known);
        return c.steps().stream()
                .filter(x -> x.op().id().equals(id))
                .filter(x -> x.verdict() == Verdict.DIFFERENT || x.verdict() == Verdict.MISSING)
                .map(StepComparison::scenario)
                .distinct()
                .toList();
    }
}
