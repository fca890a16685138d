package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pinned_vm and the user's locked_vm in the trace, the summary, JSON and HTML: shown when an
 * iommufd container exists or either counter is non-zero, absent from a type1-only run.
 */
class IommufdCountersOutputTest {
    private static final String TWO_VMS = "../examples/scenarios/iommufd-two-vms-one-user.yaml";
    private static final String TYPE1 = "../examples/scenarios/type1-1-passthrough.yaml";

    @Test
    void theTraceAndSummaryShowBothCountersOfAnIommufdRun() {
        CliRunner r = CliRunner.run("run", TWO_VMS);
        assertThat(r.exitCode).as(r.err()).isZero();
        String out = r.out();
        assertThat(out)
                .contains("locked_vm after                pinned_vm  user locked_vm")
                .containsPattern(
                        "   5  map ram-a 512 MiB -> iova 0x0 rw +ok +vm-a: 0 +131,072 +131,072 ")
                .containsPattern(
                        "   6  map ram-b 512 MiB -> iova 0x0 rw +ENOMEM \\(expected\\) +vm-b: 0 +0"
                                + " +131,072 ")
                .contains("final pinned_vm  final user locked_vm")
                .containsPattern(
                        "vm-b +1001 +768 MiB \\(196,608 pages\\) +512 MiB \\(131,072"
                                + " pages\\) +512 MiB \\(131,072 pages\\) +0 +0");
    }

    @Test
    void aType1RunShowsNeither() {
        CliRunner r = CliRunner.run("run", TYPE1);
        assertThat(r.exitCode).as(r.err()).isZero();
        assertThat(r.out()).doesNotContain("pinned_vm").doesNotContain("user locked_vm");
    }

    @Test
    void jsonHasThemPerStepAndPerProcessOnlyForIommufd() throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode s =
                json.readTree(CliRunner.run("run", "--json", TWO_VMS).out())
                        .get("scenarios")
                        .get(0);
        JsonNode step5 = s.get("steps").get(4);
        assertThat(step5.get("pinnedVm").toString()).isEqualTo("{\"vm-a\":131072,\"vm-b\":0}");
        assertThat(step5.get("userLockedVm").toString())
                .isEqualTo("{\"vm-a\":131072,\"vm-b\":131072}");
        JsonNode vmB = s.get("processes").get(1);
        assertThat(vmB.get("finalPinnedVm").asLong()).isZero();
        assertThat(vmB.get("finalUserLockedVm").asLong()).isZero();
        JsonNode t =
                json.readTree(CliRunner.run("run", "--json", TYPE1).out()).get("scenarios").get(0);
        assertThat(t.get("steps").get(0).has("pinnedVm")).isFalse();
        assertThat(t.get("steps").get(0).has("userLockedVm")).isFalse();
        assertThat(t.get("processes").get(0).has("finalPinnedVm")).isFalse();
    }

    @Test
    void htmlHasTheColumnsAndTheSeries(@TempDir Path tmp) throws IOException {
        Path html = tmp.resolve("r.html");
        assertThat(CliRunner.run("run", "--html", html.toString(), TWO_VMS).exitCode).isZero();
        String page = Files.readString(html);
        assertThat(page)
                .contains("<th>pinned_vm (pages)</th><th>user locked_vm (pages)</th>")
                .contains("vm-a pinned_vm")
                .contains("vm-b user locked_vm")
                .contains("final pinned_vm 0 pages (0 B), final user locked_vm 0 pages (0 B)");
        Path plain = tmp.resolve("t.html");
        assertThat(CliRunner.run("run", "--html", plain.toString(), TYPE1).exitCode).isZero();
        assertThat(Files.readString(plain)).doesNotContain("pinned_vm");
    }
}
