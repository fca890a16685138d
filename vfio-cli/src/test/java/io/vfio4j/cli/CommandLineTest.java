package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The subcommands end to end: exit codes, messages, JSON, help. */
class CommandLineTest {
    static final String TEST_SCENARIOS = "src/test/resources/scenarios/";

    @Test
    void runPassesAGoodScenarioWithATraceAndASummary() {
        CliRunner r = CliRunner.run("run", TEST_SCENARIOS + "two-vms.yaml");
        assertThat(r.exitCode).as(r.err()).isEqualTo(ExitCodes.OK);
        assertThat(r.out())
                .contains("== two-vms")
                .contains("register memory ram-a 256 MiB on a")
                .contains("vm-a: 256 MiB (4,096 pages)")
                .contains("ENODEV (expected)")
                .contains("PASSED - 14 steps as expected")
                .contains("peak locked_vm");
    }

    @Test
    void failedExpectationsGiveExitCode1AndSayWhatDiffered() {
        CliRunner r = CliRunner.run("run", TEST_SCENARIOS + "failing.yaml");
        assertThat(r.exitCode).isEqualTo(ExitCodes.FAILED);
        assertThat(r.out())
                .contains(
                        "expected locked_vm of qemu = 999 pages (3 MiB + 924 KiB), was 16,384 pages (64 MiB)")
                .contains("expected EEXIST, but the step succeeded")
                .contains("failed unexpectedly with EEXIST: MAP_DMA")
                .contains("skipped")
                .contains("FAILED - 3 of 6 steps failed, 1 skipped");
    }

    @Test
    void aMalformedFileStopsEverythingWithFileAndLine(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "scenario: bad\nsteps:\n  - map: {iova: 0}\n");
        CliRunner r = CliRunner.run("run", TEST_SCENARIOS + "two-vms.yaml", bad.toString());
        assertThat(r.exitCode).isEqualTo(ExitCodes.INVALID_SCENARIO);
        assertThat(r.out()).as("nothing ran").isEmpty();
        assertThat(r.err()).contains(bad + ":3:").contains("missing key 'vaddr'");
        CliRunner missing = CliRunner.run("run", dir.resolve("nope.yaml").toString());
        assertThat(missing.exitCode).isEqualTo(ExitCodes.INVALID_SCENARIO);
        assertThat(missing.err()).contains("cannot read");
    }

    @Test
    void jsonOutputParsesBackWithEveryStepAndTheSummary() throws IOException {
        CliRunner r =
                CliRunner.run(
                        "run",
                        "--json",
                        TEST_SCENARIOS + "failing.yaml",
                        TEST_SCENARIOS + "two-vms.yaml");
        assertThat(r.exitCode).isEqualTo(ExitCodes.FAILED);
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertThat(root.get("passed").asBoolean()).isFalse();
        JsonNode failing = root.get("scenarios").get(0);
        assertThat(failing.get("name").asText()).isEqualTo("failing-on-purpose");
        assertThat(failing.get("stepsFailed").asInt()).isEqualTo(3);
        JsonNode map = failing.get("steps").get(2);
        assertThat(map.get("op").asText()).isEqualTo("map");
        assertThat(map.get("line").asInt()).isEqualTo(12);
        assertThat(map.get("status").asText()).isEqualTo("failed");
        assertThat(map.get("lockedVm").get("qemu").asLong()).isEqualTo(16_384);
        assertThat(map.get("containers").get("vm").get("mappings").asLong()).isEqualTo(1);
        assertThat(failing.get("steps").get(5).get("status").asText()).isEqualTo("skipped");
        JsonNode twoVms = root.get("scenarios").get(1);
        assertThat(twoVms.get("passed").asBoolean()).isTrue();
        assertThat(twoVms.get("processes").get(1).get("peakLockedVm").asLong()).isEqualTo(32_768);
        assertThat(twoVms.get("processes").get(0).get("memlockBytes").asText())
                .isEqualTo("unlimited");
        assertThat(twoVms.get("steps").get(6).get("results").get("value").asLong()).isZero();
    }

    @Test
    void demoListsAndRunsTheBuiltInScenarios() throws IOException {
        CliRunner list = CliRunner.run("demo", "--list");
        assertThat(list.exitCode).isZero();
        assertThat(list.out()).contains("type1-1-passthrough").contains("spapr-v2-qemu");
        CliRunner one = CliRunner.run("demo", "type1-2-vgpu-only.yaml");
        assertThat(one.exitCode).as(one.out()).isZero();
        assertThat(one.out())
                .contains("pin 1,500 pages at ram-b".replace("ram-b", "0x100000000"))
                .contains("11 MiB + 736 KiB (3,000 pages)")
                .contains("ENOMEM (expected)");
        assertThat(one.out().lines().count()).as("a page or two").isLessThan(80);
        CliRunner json = CliRunner.run("demo", "--json", "-q", "spapr-v1");
        JsonNode root = new ObjectMapper().readTree(json.out());
        assertThat(
                        root.get("scenarios")
                                .get(0)
                                .get("processes")
                                .get(0)
                                .get("peakLockedVm")
                                .asLong())
                .isEqualTo(32_896);
        CliRunner unknown = CliRunner.run("demo", "nope");
        assertThat(unknown.exitCode).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).contains("no built-in scenario 'nope'").contains("spapr-v1");
    }

    @Test
    void summaryOnlyLeavesOutTheSteps() {
        CliRunner r = CliRunner.run("demo", "--summary", "type1-1-passthrough");
        assertThat(r.exitCode).isZero();
        assertThat(r.out())
                .contains("PASSED")
                .contains("peak locked_vm")
                .doesNotContain("map ram-a 3 GiB");
    }

    @Test
    void quietPrintsOneLinePerScenarioAndNeverHidesTheCause() {
        CliRunner ok = CliRunner.run("demo", "-q", "type1-1-passthrough", "spapr-v1");
        assertThat(ok.exitCode).isZero();
        assertThat(ok.out())
                .isEqualTo("PASSED type1-1-passthrough (16 steps)\nPASSED spapr-v1 (15 steps)\n");
        CliRunner failed = CliRunner.run("run", "-q", TEST_SCENARIOS + "failing.yaml");
        assertThat(failed.exitCode).isEqualTo(ExitCodes.FAILED);
        assertThat(failed.out())
                .startsWith("FAILED failing-on-purpose (3 of 6 steps failed)\n")
                .contains("failing.yaml:")
                .contains("expected EEXIST, but the step succeeded")
                .contains("failed unexpectedly with EEXIST: MAP_DMA");
    }

    @ParameterizedTest
    @ValueSource(strings = {"run", "demo", "backends"})
    void everySubcommandHasHelpWithExamples(String sub) {
        CliRunner r = CliRunner.run(sub, "--help");
        assertThat(r.exitCode).isZero();
        assertThat(r.out())
                .contains("Usage: vfio4j " + sub)
                .contains("Examples:")
                .contains("vfio4j " + sub);
    }

    @Test
    void topLevelHelpNamesTheSubcommands() {
        CliRunner r = CliRunner.run("--help");
        assertThat(r.out()).contains("demo").contains("run").contains("backends");
    }

    @Test
    void verboseRaisesEveryLoggerPluginsIncluded() {
        ch.qos.logback.classic.LoggerContext context =
                (ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        try {
            assertThat(CliRunner.run("-vv", "backends").exitCode).isZero();
            assertThat(context.getLogger("com.example.noiommu").getEffectiveLevel())
                    .isEqualTo(ch.qos.logback.classic.Level.DEBUG);
            assertThat(context.getLogger("io.vfio4j.type1").getEffectiveLevel())
                    .isEqualTo(ch.qos.logback.classic.Level.DEBUG);
            assertThat(CliRunner.run("-v", "backends").exitCode).isZero();
            assertThat(context.getLogger("com.example.noiommu").getEffectiveLevel())
                    .isEqualTo(ch.qos.logback.classic.Level.INFO);
        } finally {
            CliRunner.run("backends");
        }
        assertThat(context.getLogger("com.example.noiommu").getEffectiveLevel())
                .isEqualTo(ch.qos.logback.classic.Level.WARN);
    }
}
