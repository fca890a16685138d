package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code vfio4j run --compare}: every shipped comparison scenario prints exactly the divergences
 * worked by hand in the {@code .expected.md} beside it; the JSON and HTML reports; the exit codes.
 */
class CompareRunTest {
    private static final Path DIR = Path.of("../examples/scenarios/compare");
    private static final String MARKER = "<!-- compare:output -->";

    @Test
    void theShippedComparisonScenariosAreTheKnownDifferences() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")))
                    .containsExactlyInAnyOrder(
                            "two-vms-one-user.yaml",
                            "gpu-bar.yaml",
                            "mdev-pins.yaml",
                            "partial-unmap.yaml",
                            "empty-unmap.yaml",
                            "vaddr-update.yaml",
                            "vendor-never-unpins.yaml");
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "two-vms-one-user",
                "gpu-bar",
                "mdev-pins",
                "partial-unmap",
                "empty-unmap",
                "vaddr-update",
                "vendor-never-unpins"
            })
    void printsExactlyTheDivergencesWorkedByHand(String name) throws IOException {
        List<String> block = expectedBlock(DIR.resolve(name + ".expected.md"));
        assertThat(block.get(0))
                .isEqualTo("$ vfio4j run --compare type1,iommufd " + name + ".yaml");
        Path file = DIR.resolve(name + ".yaml");
        CliRunner r = CliRunner.run("run", "--compare", "type1,iommufd", file.toString());
        assertThat(r.exitCode).as(r.err()).isZero();
        List<String> printed =
                r.out()
                        .replace("file: " + DIR + "/", "file: ")
                        .lines()
                        .map(String::stripTrailing)
                        .toList();
        assertThat(printed).isEqualTo(block.subList(1, block.size()));
    }

    private static List<String> expectedBlock(Path md) throws IOException {
        List<String> lines = Files.readAllLines(md);
        int at = lines.indexOf(MARKER);
        assertThat(at).as("%s has a %s block", md, MARKER).isNotNegative();
        assertThat(lines.get(at + 1)).isEqualTo("```");
        List<String> out = new ArrayList<>();
        for (int i = at + 2; !lines.get(i).equals("```"); i++) {
            out.add(lines.get(i));
        }
        return out;
    }

    @Test
    void jsonGivesEachBackendsValueOfEveryDifference() throws IOException {
        CliRunner r =
                CliRunner.run("run", "--compare", "type1,iommufd", "--json", DIR + "/gpu-bar.yaml");
        assertThat(r.exitCode).as(r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertThat(root.get("backends").toString()).isEqualTo("[\"type1\",\"iommufd\"]");
        assertThat(root.get("expectationsChecked").asBoolean()).isFalse();
        JsonNode s = root.get("scenarios").get(0);
        assertThat(s.get("name").asText()).isEqualTo("compare-gpu-bar");
        assertThat(s.get("summary").toString())
                .isEqualTo(
                        "{\"divergingSteps\":3,\"byKind\":{\"result\":1,\"unmapped\":1,"
                                + "\"pinned_vm\":2}}");
        JsonNode d = s.get("divergences");
        assertThat(d).hasSize(3);
        assertThat(d.get(0).toString())
                .isEqualTo(
                        "{\"number\":3,\"line\":21,\"description\":\"map ram 512 MiB -> iova 0x0"
                                + " rw\",\"differences\":[{\"kind\":\"pinned_vm\",\"process\":"
                                + "\"qemu\",\"values\":{\"type1\":0,\"iommufd\":131072}}]}");
        assertThat(d.get(1).get("differences").get(0).toString())
                .isEqualTo(
                        "{\"kind\":\"result\",\"values\":{\"type1\":\"ok\",\"iommufd\":"
                                + "\"EFAULT\"}}");
        assertThat(d.get(2).get("differences").get(0).toString())
                .isEqualTo(
                        "{\"kind\":\"unmapped\",\"values\":{\"type1\":805306368,\"iommufd\":"
                                + "536870912}}");
        assertThat(s.get("errors").size()).isZero();
    }

    @Test
    void aStepThatDidNotRunIsNullInJson() throws IOException {
        CliRunner r =
                CliRunner.run(
                        "run",
                        "--compare",
                        "type1,iommufd",
                        "--json",
                        DIR + "/vendor-never-unpins.yaml");
        JsonNode d =
                new ObjectMapper().readTree(r.out()).get("scenarios").get(0).get("divergences");
        assertThat(d.get(1).get("differences").get(0).toString())
                .isEqualTo(
                        "{\"kind\":\"result\",\"values\":{\"type1\":\"kernel BUG\","
                                + "\"iommufd\":\"EDEADLK\"}}");
        assertThat(d.get(2).get("differences").get(0).toString())
                .isEqualTo("{\"kind\":\"result\",\"values\":{\"type1\":null,\"iommufd\":\"ok\"}}");
    }

    @Test
    void htmlHasTheSummaryTheChargedPagesAndTheDivergingSteps(@TempDir Path tmp)
            throws IOException {
        Path html = tmp.resolve("compare.html");
        CliRunner r =
                CliRunner.run(
                        "run",
                        "--compare",
                        "type1,iommufd",
                        "--html",
                        html.toString(),
                        DIR + "/two-vms-one-user.yaml");
        assertThat(r.exitCode).as(r.err()).isZero();
        String page = Files.readString(html);
        assertThat(page)
                .startsWith("<!DOCTYPE html>")
                .contains("<title>vfio4j run --compare type1,iommufd</title>")
                .contains(
                        "4 of 8 steps diverge: result 1, unmapped 1, locked_vm 3, pinned_vm 2,"
                                + " user_locked_vm 2")
                .contains("charged pages of vm-a after each step")
                .contains("charged pages of vm-b after each step")
                .contains("<th>type1</th>")
                .contains("<th>iommufd</th>")
                .contains("ENOMEM")
                .doesNotContain("<script")
                .doesNotContain("src=")
                .doesNotContain("href=")
                .doesNotContain("@import");
        assertThat(page.split("<svg", -1)).hasSize(3);
    }

    @Test
    void summaryPrintsOneLinePerScenario() {
        CliRunner r =
                CliRunner.run(
                        "run",
                        "--compare",
                        "type1,iommufd",
                        "--summary",
                        DIR + "/gpu-bar.yaml",
                        DIR + "/partial-unmap.yaml");
        assertThat(r.exitCode).isZero();
        assertThat(r.out())
                .isEqualTo(
                        "compare-gpu-bar: 3 of 5 steps diverge: result 1, unmapped 1, pinned_vm"
                                + " 2\n"
                                + "compare-partial-unmap: 4 of 6 steps diverge: result 1,"
                                + " unmapped 1, locked_vm 1, pinned_vm 3\n");
    }

    @Test
    void aBadCompareListIsExit2() {
        for (String list : List.of("type1", "type1,type1", "type1,", ",iommufd")) {
            CliRunner r = CliRunner.run("run", "--compare", list, DIR + "/gpu-bar.yaml");
            assertThat(r.exitCode).as(list).isEqualTo(2);
            assertThat(r.err()).as(list).startsWith("vfio4j: --compare: ");
            assertThat(r.out()).as(list).isEmpty();
        }
    }

    @Test
    void compareWithRecordIsExit2() {
        CliRunner r =
                CliRunner.run(
                        "run", "--compare", "type1,iommufd", "--record", DIR + "/gpu-bar.yaml");
        assertThat(r.exitCode).isEqualTo(2);
        assertThat(r.err()).isEqualTo("vfio4j: --compare and --record exclude each other\n");
    }

    @Test
    void anUnknownBackendIsAConfigurationErrorBeforeAnyRun() {
        CliRunner r = CliRunner.run("run", "--compare", "type1,nosuch", DIR + "/gpu-bar.yaml");
        assertThat(r.exitCode).isEqualTo(3);
        assertThat(r.err())
                .startsWith("vfio4j: configuration error: " + DIR + "/gpu-bar.yaml on nosuch: ")
                .contains("nosuch")
                .doesNotContain("Exception");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aContainerThatNamesItsBackendKeepsItSoNothingDiverges() {
        // Every container of this scenario names its backend (iommufd or type1).
        CliRunner r =
                CliRunner.run(
                        "run",
                        "--compare",
                        "type1,iommufd",
                        "--summary",
                        "../examples/scenarios/iommufd-gpu-bar.yaml");
        assertThat(r.exitCode).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("iommufd-gpu-bar: no step diverges (8 steps)\n");
    }
}
