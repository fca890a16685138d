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
}
