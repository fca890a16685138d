package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.cli.scenario.Scenario;
import io.vfio4j.cli.scenario.ScenarioParser;
import io.vfio4j.cli.scenario.ScenarioSyntaxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scenario's top-level {@code kernel:} key: parsed, checked, and given to the runtime. */
class ScenarioKernelEraTest {
    /** A MAP whose range wraps past 2^64: the answer depends on the era. */
    static final String WRAP =
            """
            scenario: wrap
            kernel: %s
            host:
              iommu_groups:
                - {id: 1, devices: ["0000:01:00.0"]}
            processes:
              - name: qemu
                memlock: 64MiB
                regions:
                  - {name: ram, vaddr: 0x10_0000_0000, size: 8KiB}
            containers:
              - {name: vm, iommu: TYPE1v2}
            steps:
              - attach: {group: 1}
              - set_iommu: {}
              - map: {vaddr: ram, iova: 0xffff_ffff_ffff_f000, size: 8KiB}
                expect: {errno: %s, locked_vm: 0}
            """;

    private final ScenarioParser parser = new ScenarioParser();

    private ScenarioSyntaxException refused(String text) {
        Throwable t =
                org.assertj.core.api.Assertions.catchThrowable(
                        () -> parser.parse("bad.yaml", text));
        assertThat(t).isInstanceOf(ScenarioSyntaxException.class);
        return (ScenarioSyntaxException) t;
    }

    @Test
    void theKeyBecomesTheRuntimeSetting() {
        Scenario s = parser.parse("wrap.yaml", WRAP.formatted("6.18", "EOVERFLOW"));
        assertThat(s.config()).containsEntry("vfio4j.kernel", "6.18");
        Scenario none =
                parser.parse("wrap.yaml", WRAP.replace("kernel: %s\n", "").formatted("EINVAL"));
        assertThat(none.config()).doesNotContainKey("vfio4j.kernel");
    }

    @Test
    void aBadReleaseNamesFileLineAndColumn() {
        assertThat(refused(WRAP.formatted("6.x", "EINVAL")).getMessage())
                .isEqualTo(
                        "bad.yaml:2:9: kernel: '6.x' is not a kernel release: use major.minor, e.g. 6.16 or 6.18");
        assertThat(refused(WRAP.formatted("2.6", "EINVAL")).getMessage())
                .isEqualTo("bad.yaml:2:9: kernel: kernel 2.6 predates VFIO (merged in 3.6)");
    }

    @Test
    void theKeyAndTheConfigSettingTogetherAreRefused() {
        String both =
                WRAP.formatted("6.18", "EOVERFLOW")
                        .replace("host:", "config: {vfio4j.kernel: 6.16}\nhost:");
        assertThat(refused(both).getMessage())
                .isEqualTo(
                        "bad.yaml:2:9: kernel: given here and as config vfio4j.kernel; keep one");
    }

    @Test
    void eachEraRunsWithItsOwnAnswer(@TempDir Path dir) throws IOException {
        Path old = Files.writeString(dir.resolve("old.yaml"), WRAP.formatted("6.16", "EINVAL"));
        Path now = Files.writeString(dir.resolve("now.yaml"), WRAP.formatted("6.18", "EOVERFLOW"));
        CliRunner r = CliRunner.run("run", old.toString(), now.toString());
        assertThat(r.exitCode).as(r.out() + r.err()).isZero();
        Path wrong = Files.writeString(dir.resolve("wrong.yaml"), WRAP.formatted("6.18", "EINVAL"));
        CliRunner w = CliRunner.run("run", wrong.toString());
        assertThat(w.exitCode).as(w.out() + w.err()).isEqualTo(1);
        assertThat(w.out() + w.err()).contains("EOVERFLOW");
    }

    @Test
    void aSystemPropertyStyleOptionSetsTheEraForAScenarioWithoutTheKey(@TempDir Path dir)
            throws IOException {
        Path f =
                Files.writeString(
                        dir.resolve("plain.yaml"),
                        WRAP.replace("kernel: %s\n", "").formatted("EOVERFLOW"));
        CliRunner r = CliRunner.run("run", "-Dvfio4j.kernel=6.18", f.toString());
        assertThat(r.exitCode).as(r.out() + r.err()).isZero();
        CliRunner bad = CliRunner.run("run", "-Dvfio4j.kernel=six", f.toString());
        assertThat(bad.exitCode).as(bad.out() + bad.err()).isEqualTo(3);
        assertThat(bad.out() + bad.err())
                .contains("vfio4j.kernel")
                .contains("'six' is not a kernel release")
                .doesNotContain("Exception");
    }
}
