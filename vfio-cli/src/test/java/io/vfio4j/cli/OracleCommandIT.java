package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The command docs/oracle.md tells users to run, on a real kernel in QEMU (the integration-test
 * phase; never skipped: without QEMU or the kernel it fails with the reason, exit 3).
 */
class OracleCommandIT {
    @Test
    void theSuiteOnTheSidKernelAgreesOrDiffersOnlyAsListed() {
        CliRunner r = CliRunner.run("oracle", "--suite", "--kernel", "7.2", "--differences");
        assertThat(r.err()).isEmpty();
        assertThat(r.out())
                .startsWith("vfio4j oracle: the oracle suite\n")
                .contains("kernel 7.2: linux-image-7.")
                .contains("model at vfio4j.kernel=7.2")
                .contains("DIRTY-GET-ARGSZ")
                .contains("SPAPR-EXT-ON-X86")
                .contains(
                        "131 agree, 3 known differences, 0 following one, 0 unexplained, 0 missing")
                .contains(", 0 unexplained, 0 missing")
                .endsWith("oracle: agreed\n");
        assertThat(r.exitCode).isZero();
    }
}
