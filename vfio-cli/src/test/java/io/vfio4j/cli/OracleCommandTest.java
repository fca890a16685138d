package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The oracle command's refusals, which come before any kernel is fetched (no QEMU needed). */
class OracleCommandTest {
    @Test
    void anUnknownKernelIsABadCommandLine() {
        CliRunner r = CliRunner.run("oracle", "--suite", "--kernel", "5.4");
        assertThat(r.exitCode).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err())
                .isEqualTo("vfio4j: --kernel: unknown kernel '5.4': use 6.1, 6.12, 7.2 or all\n");
    }

    @Test
    void nothingToRunIsABadCommandLine() {
        CliRunner r = CliRunner.run("oracle");
        assertThat(r.exitCode).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("vfio4j: name a scenario file or --suite\n");
    }

    @Test
    void aMalformedOperationListNamesFileLineAndColumn(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.ops");
        Files.writeString(f, "scenario s\n  m map 1 2\n");
        CliRunner r = CliRunner.run("oracle", f.toString());
        assertThat(r.exitCode).isEqualTo(ExitCodes.INVALID_SCENARIO);
        assertThat(r.err())
                .isEqualTo(
                        "vfio4j: invalid operation list: "
                                + f
                                + ":2:3: map takes 5 operands, not 2\n");
    }

    @Test
    void aMalformedScenarioIsRefusedBeforeAnyKernel(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "scenario: x\nhost: 3\n");
        CliRunner r = CliRunner.run("oracle", f.toString());
        assertThat(r.exitCode).isEqualTo(ExitCodes.INVALID_SCENARIO);
        assertThat(r.err()).startsWith("vfio4j: invalid scenario: " + f + ":");
    }
}
