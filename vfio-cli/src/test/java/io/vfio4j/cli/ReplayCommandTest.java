package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vfio4j replay} on the real traces of vfio-replay: output, JSON schema, exit codes. */
class ReplayCommandTest {
    static final Path TRACES = Path.of("../vfio-replay/src/test/resources/traces");

    @TempDir Path dir;

    private static String trace(String name) {
        return TRACES.resolve(name).toString();
    }

    @Test
    void theTableShowsEveryCallAndTheSummary() {
        CliRunner r =
                CliRunner.run("replay", trace("qemu-devel-2021-05-overlapping-region-add.log"));
        assertThat(r.err()).isEmpty();
        assertThat(r.out())
                .contains("fixture: TYPE1v2, passthrough group, RLIMIT_MEMLOCK unlimited")
                .contains(
                        "     14  MAP    0xc0000             0x1000              EEXIST   -               32"
                                + "   ! the trace recorded EINVAL")
                .contains(
                        "     10  UNMAP  0xc4000             0x1c000             0        0x0             1")
                .contains("  peak locked_vm      32 pages (128 KiB) at line 13")
                .contains("  min RLIMIT_MEMLOCK  131,072 bytes (128 KiB)")
                .contains("  first refused call  line 14: MAP EEXIST")
                .contains("  differ from trace   1");
        assertThat(r.exitCode).as("a recorded result differs").isEqualTo(1);
    }

    @Test
    void aTraceThatReplaysAsRecordedExitsZero() {
        CliRunner r =
                CliRunner.run("replay", "--summary", trace("lp1879175-igd-passthrough-boot.log"));
        assertThat(r.exitCode).isZero();
        assertThat(r.out())
                .doesNotContain("  MAP  ")
                .contains("  peak locked_vm      1,843,264 pages (7.03 GiB) at line 17")
                .contains("  line 27: continuation line");
    }

    @Test
    void theJsonCarriesTheDocumentedKeys() throws Exception {
        CliRunner r =
                CliRunner.run(
                        "replay",
                        "--json",
                        "--memory",
                        trace("libvfio-user-439-hugepages.memory.yaml"),
                        trace("libvfio-user-439-hugepages.log"));
        assertThat(r.exitCode).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("schema").asText()).isEqualTo("vfio4j-replay/1");
        assertThat(j.get("calls").asLong()).isEqualTo(17);
        assertThat(j.get("replayed").asLong()).isEqualTo(17);
        assertThat(j.get("results")).hasSize(17);
        JsonNode first = j.get("results").get(0);
        assertThat(first.get("line").asLong()).isEqualTo(10);
        assertThat(first.get("op").asText()).isEqualTo("MAP");
        assertThat(first.get("iova").asLong()).isZero();
        assertThat(first.get("size").asLong()).isEqualTo(0xa0000);
        assertThat(first.get("errno").asInt()).isZero();
        assertThat(first.get("unmapped").asLong()).isZero();
        assertThat(first.get("locked_vm_pages").asLong()).isEqualTo(160);
        assertThat(j.get("skipped")).hasSize(4);
        assertThat(j.get("skipped").get(2).get("line").asLong()).isEqualTo(36);
        assertThat(j.get("peak_locked_vm_pages").asLong()).isEqualTo(786464);
        assertThat(j.get("peak_line").asLong()).isEqualTo(21);
        assertThat(j.get("final_locked_vm_pages").asLong()).isEqualTo(786392);
        assertThat(j.get("min_memlock_bytes").asLong()).isEqualTo(3221356544L);
        assertThat(j.get("first_failure").get("line").asLong()).isEqualTo(35);
        assertThat(j.get("first_failure").get("errno").asInt()).isEqualTo(17);
        assertThat(j.get("formats").get("pid_timestamp").asLong()).isEqualTo(22);
    }

    @Test
    void underAMemlockBelowTheNeedTheFirstRefusedCallIsNamedAndTheExitIsOne() throws Exception {
        CliRunner r =
                CliRunner.run(
                        "replay",
                        "--json",
                        "--memlock",
                        "3GiB",
                        trace("lp1879175-igd-passthrough-boot.log"));
        assertThat(r.exitCode).isEqualTo(1);
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("first_failure").get("line").asLong()).isEqualTo(16);
        assertThat(j.get("first_failure").get("errno_name").asText()).isEqualTo("ENOMEM");
        assertThat(j.get("min_memlock_bytes").asLong()).isEqualTo(7550009344L);
        CliRunner enough =
                CliRunner.run(
                        "replay",
                        "--summary",
                        "--memlock",
                        "7550009344",
                        trace("lp1879175-igd-passthrough-boot.log"));
        assertThat(enough.exitCode).isZero();
        assertThat(enough.out()).contains("  first refused call  none");
    }

    @Test
    void badInputIsExitFourBadOptionsTwoAnUnknownBackendThree() throws Exception {
        CliRunner missing = CliRunner.run("replay", dir.resolve("nope.log").toString());
        assertThat(missing.exitCode).isEqualTo(4);
        assertThat(missing.err())
                .startsWith("vfio4j: cannot replay: cannot read ")
                .doesNotContain("Exception");

        Path yaml = dir.resolve("m.yaml");
        Files.writeString(yaml, "- {name: ram, hva: 0x1000, size: 4KiB, kind: flash}\n");
        CliRunner badMemory =
                CliRunner.run(
                        "replay",
                        "--memory",
                        yaml.toString(),
                        trace("lp1879175-igd-passthrough-boot.log"));
        assertThat(badMemory.exitCode).isEqualTo(4);
        assertThat(badMemory.err())
                .isEqualTo(
                        "vfio4j: cannot replay: "
                                + yaml
                                + ":1:46: kind: expected ram, rom or device, not 'flash'\n");

        CliRunner badSize =
                CliRunner.run(
                        "replay", "--memlock", "lots", trace("lp1879175-igd-passthrough-boot.log"));
        assertThat(badSize.exitCode).isEqualTo(2);
        assertThat(badSize.err()).contains("--memlock: 'lots' is not a size");

        CliRunner badBackend =
                CliRunner.run(
                        "replay",
                        "--backend",
                        "nosuch",
                        trace("lp1879175-igd-passthrough-boot.log"));
        assertThat(badBackend.exitCode).isEqualTo(3);
        assertThat(badBackend.err())
                .startsWith("vfio4j: configuration error: ")
                .doesNotContain("Exception");
    }

    @Test
    void htmlIsWrittenBesideTheTableAndAnUnwritableFileIsExitTwo() throws Exception {
        Path html = dir.resolve("r.html");
        CliRunner r =
                CliRunner.run(
                        "replay",
                        "--summary",
                        "--html",
                        html.toString(),
                        trace("lp1879175-igd-passthrough-boot.log"));
        assertThat(r.exitCode).isZero();
        assertThat(Files.readString(html))
                .startsWith("<!DOCTYPE html>")
                .contains("<title>vfio4j replay — lp1879175-igd-passthrough-boot.log</title>");
        CliRunner bad =
                CliRunner.run(
                        "replay",
                        "--html",
                        dir.resolve("no/such/dir/r.html").toString(),
                        trace("lp1879175-igd-passthrough-boot.log"));
        assertThat(bad.exitCode).isEqualTo(2);
        assertThat(bad.err())
                .isEqualTo(
                        "vfio4j: cannot write "
                                + dir.resolve("no/such/dir/r.html")
                                + ": the directory "
                                + dir.resolve("no/such/dir")
                                + " does not exist\n");
    }

    @Test
    void settingsFromTheCommandLineReachTheBackend() {
        // The boot maps more than two ranges: with dma_avail 2 the third MAP is ENOSPC.
        CliRunner r =
                CliRunner.run(
                        "replay",
                        "-D",
                        "vfio4j.backend.type1.dma-entry-limit=2",
                        trace("lp1879175-igd-passthrough-boot.log"));
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("ENOSPC");
    }

    @Test
    void anUnknownSettingIsAConfigurationErrorBeforeTheTraceIsRead() {
        CliRunner r = CliRunner.run("replay", "-D", "vfio4j.no-such-key=1", "no-such-trace.log");
        assertThat(r.exitCode).isEqualTo(ExitCodes.CONFIGURATION);
        assertThat(r.err()).startsWith("vfio4j: configuration error: ").doesNotContain("Exception");
    }
}
