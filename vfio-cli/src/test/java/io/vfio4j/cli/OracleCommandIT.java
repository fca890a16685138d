package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The commands docs/oracle.md tells users to run, on real kernels in QEMU (the integration-test
 * phase; never skipped: without QEMU or the kernel it fails with the reason, exit 3).
 */
class OracleCommandIT {
    @Test
    void theSuiteOnTheSidKernelAgreesEverywhere() {
        CliRunner r = CliRunner.run("oracle", "--suite", "--kernel", "7.2", "--differences");
        assertThat(r.err()).isEmpty();
        assertThat(r.out())
                .startsWith("vfio4j oracle: the oracle suite\n")
                .contains("kernel 7.2: linux-image-7.")
                .contains("model at vfio4j.kernel=7.2")
                .contains(
                        "134 agree, 0 known differences, 0 following one, 0 unexplained, 0 missing")
                .endsWith("oracle: agreed\n");
        assertThat(r.exitCode).isZero();
    }

    /**
     * Every type1 conformance scenario of the reference, on the three kernels: 331 steps a real
     * host here can perform (mdev steps through the test vendor driver included), each agreeing
     * with the model at the kernel's era.
     */
    @Test
    void theType1ConformanceScenariosAgreeOnEveryKernel() throws Exception {
        List<String> args = new ArrayList<>(List.of("oracle", "--kernel", "all"));
        try (Stream<Path> files = Files.list(Path.of("../examples/scenarios/conformance"))) {
            files.map(Path::toString)
                    .filter(f -> f.contains("/type1-"))
                    .sorted()
                    .forEach(args::add);
        }
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        assertThat(r.err()).isEmpty();
        assertThat(
                        r.out()
                                .lines()
                                .filter(
                                        l ->
                                                l.equals(
                                                        "  331 agree, 0 known differences, 0"
                                                                + " following one, 0 unexplained,"
                                                                + " 0 missing")))
                .hasSize(3);
        assertThat(r.out()).endsWith("oracle: agreed\n");
        assertThat(r.exitCode).isZero();
    }

    /**
     * The five device combinations of the 2016 review (the shipped scenarios), the pinning rules
     * side by side (mdev/rules.ops) and the model's two deliberate deviations the test vendor
     * driver shows (mdev/deviations.ops), on the three kernels: one boot each. By default the guest
     * has 256 MiB, so a domain's pins of the 4 GiB regions are not checked; {@code
     * -Dvfio4j.long=true} gives it 4864 MiB and pins them all for real (35 to 110 s a boot).
     */
    @Test
    void theReviewScenariosAgreeOnEveryKernelOrDifferOnlyAsListed() throws Exception {
        boolean full = Boolean.getBoolean("vfio4j.long");
        List<String> args = new ArrayList<>(List.of("oracle", "--kernel", "all"));
        if (full) {
            args.addAll(List.of("--memory", "4864"));
        }
        io.vfio4j.cli.scenario.ReviewScenarios.files().forEach(f -> args.add(f.toString()));
        args.add("../kernel-oracle/src/main/resources/io/vfio4j/oracle/mdev/rules.ops");
        args.add("../kernel-oracle/src/main/resources/io/vfio4j/oracle/mdev/deviations.ops");
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        // 6.1 also grants the READ pin of a read-only mapping never written (rules.ops r-on-ro)
        // the zero page, which the model refuses: T1-11.
        int agree = full ? 270 : 242;
        List<String> counts = r.out().lines().filter(l -> l.matches("  [0-9]+ agree, .*")).toList();
        assertThat(counts)
                .as(r.out())
                .containsExactly(
                        "  "
                                + (agree - 1)
                                + " agree, 3 known differences, 1 following one, 0 unexplained,"
                                + " 0 missing",
                        "  "
                                + agree
                                + " agree, 2 known differences, 1 following one, 0 unexplained,"
                                + " 0 missing",
                        "  "
                                + agree
                                + " agree, 2 known differences, 1 following one, 0 unexplained,"
                                + " 0 missing");
        assertThat(r.out())
                .contains("known      d0 mdev_detach 0")
                .contains("T1-1-LEAK-AT-DETACH")
                .contains("T1-4-UNALIGNED-PIN")
                .contains("T1-11-ZERO-PAGE-PIN-6.1")
                .endsWith("oracle: agreed\n");
        assertThat(r.exitCode).isZero();
    }
}
