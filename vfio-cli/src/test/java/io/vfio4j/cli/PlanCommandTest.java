package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vfio4j plan}: outputs and exit codes. The figures are those worked by hand in vfio-plan's
 * catalogue (x86-pc-02-one-hostdev, x86-q35-09-commandline-viommu).
 */
class PlanCommandTest {
    static final String DIR = "src/test/resources/plan/";

    @Test
    void theTableShowsNeedLimitAndVerdict() {
        CliRunner r = CliRunner.run("plan", DIR + "one-hostdev.xml");

        assertThat(r.exitCode).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out())
                .contains(
                        "start  5368709120 (5 GiB)  5368709120 (5 GiB)  4294967296 (4 GiB)  0 (0 B)    OK")
                .contains("peak locked_vm:          1048576 pages, 4294967296 (4 GiB)")
                .contains("minimum RLIMIT_MEMLOCK:  4294967296 (4 GiB)")
                .contains("verdict: OK (slack 1073741824 (1 GiB) at the tightest step)");
    }

    @Test
    void tooLowExitsOneAndNamesTheRefusedCall() throws Exception {
        CliRunner r = CliRunner.run("plan", "--json", DIR + "hook-viommu.xml");

        assertThat(r.exitCode).isEqualTo(1);
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("schema").asText()).isEqualTo("vfio4j-plan/1");
        assertThat(j.at("/libvirt/limit_bytes").asLong()).isEqualTo(9663676416L);
        assertThat(j.at("/need/locked_vm_bytes").asLong()).isEqualTo(17179869184L);
        assertThat(j.at("/need/locked_vm_pages").asLong()).isEqualTo(4194304L);
        assertThat(j.at("/need/pinned_vm_bytes").asLong()).isZero();
        assertThat(j.at("/need/min_memlock_bytes").asLong()).isEqualTo(17179869184L);
        assertThat(j.get("verdict").asText()).isEqualTo("TOO_LOW");
        assertThat(j.at("/failure/device").asText()).isEqualTo("hostdev1");
        assertThat(j.at("/failure/errno").asText()).isEqualTo("ENOMEM");
        assertThat(j.get("containers")).hasSize(2);
        assertThat(j.at("/containers/0/charged_bytes").asLong()).isEqualTo(8589934592L);
        assertThat(j.at("/domain/viommu_on_command_line").asBoolean()).isTrue();
        assertThat(j.at("/domain/viommu_in_xml").asBoolean()).isFalse();
    }

    @Test
    void aMalformedDomainIsExitFourWithFileLineColumnAndNoStackTrace() {
        CliRunner r = CliRunner.run("plan", DIR + "broken.xml");

        assertThat(r.exitCode).isEqualTo(4);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("vfio4j plan: " + DIR + "broken.xml:4:3: ");
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void badOptionsAreExitTwo() {
        CliRunner era = CliRunner.run("plan", "--libvirt-era", "1999", DIR + "one-hostdev.xml");
        assertThat(era.exitCode).isEqualTo(2);
        assertThat(era.err())
                .isEqualTo(
                        "vfio4j plan: --libvirt-era: unknown era '1999' (one of 2013, 2015, 2017, 6.0, 7.0, current)\n");
        CliRunner step = CliRunner.run("plan", "--then", "unplug:nope", DIR + "one-hostdev.xml");
        assertThat(step.exitCode).isEqualTo(2);
        assertThat(step.err())
                .isEqualTo("vfio4j plan: unplug:nope: the domain has no device with that alias\n");
        CliRunner size =
                CliRunner.run("plan", "--mdev-working-set", "many", DIR + "one-hostdev.xml");
        assertThat(size.exitCode).isEqualTo(2);
        assertThat(CliRunner.run("plan").exitCode).isEqualTo(2);
    }

    @Test
    void anHtmlFileThatCannotBeWrittenIsExitTwoWithTheReason(@TempDir Path dir) {
        Path html = dir.resolve("missing").resolve("plan.html");
        CliRunner r = CliRunner.run("plan", "--html", html.toString(), DIR + "one-hostdev.xml");

        assertThat(r.exitCode).isEqualTo(2);
        assertThat(r.err())
                .isEqualTo(
                        "vfio4j plan: cannot write "
                                + html
                                + ": the directory "
                                + html.getParent()
                                + " does not exist\n");
    }

    @Test
    void htmlIsWrittenBesideTheTable(@TempDir Path dir) throws Exception {
        Path html = dir.resolve("plan.html");
        CliRunner r =
                CliRunner.run(
                        "plan",
                        "--html",
                        html.toString(),
                        "--then",
                        "memory-plug:1GiB",
                        DIR + "one-hostdev.xml");

        assertThat(r.exitCode).isZero();
        String page = Files.readString(html);
        assertThat(page).contains("<svg").contains("memory-plug 1 GiB").doesNotContain("<script");
    }
}
