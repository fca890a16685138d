package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vfio4j replay --compare}: the p2p-BAR trace on type1 and iommufd prints exactly what its
 * {@code .compare.expected.md} works out by hand; JSON, HTML and the exit codes.
 */
class ReplayCompareTest {
    private static final Path TRACES = ReplayCommandTest.TRACES;
    private static final String TRACE = "qemu-devel-2020-01-p2p-bar.log";

    @Test
    void printsExactlyTheDivergencesWorkedByHand() throws IOException {
        List<String> lines =
                Files.readAllLines(
                        TRACES.resolve("qemu-devel-2020-01-p2p-bar.compare.expected.md"));
        int runs = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).equals("<!-- compare:output -->")) {
                continue;
            }
            String command = lines.get(i + 2);
            assertThat(command).startsWith("$ vfio4j replay ");
            List<String> shown = new ArrayList<>();
            int j = i + 3;
            while (!lines.get(j).equals("```")) {
                shown.add(lines.get(j++));
            }
            String[] args =
                    Arrays.stream(command.substring("$ vfio4j ".length()).split(" "))
                            .map(a -> a.startsWith("qemu-") ? TRACES.resolve(a).toString() : a)
                            .toArray(String[]::new);
            CliRunner r = CliRunner.run(args);
            assertThat(r.exitCode).as(r.err()).isZero();
            assertThat(r.out().lines().toList()).as(command).isEqualTo(shown);
            runs++;
            i = j;
        }
        assertThat(runs).isEqualTo(2);
    }

    @Test
    void jsonListsEachBackendsValues() throws IOException {
        CliRunner r =
                CliRunner.run(
                        "replay",
                        "--compare",
                        "type1,iommufd",
                        "--json",
                        "--memory",
                        TRACES.resolve("qemu-devel-2020-01-p2p-bar.memory.yaml").toString(),
                        TRACES.resolve(TRACE).toString());
        assertThat(r.exitCode).as(r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertThat(root.get("divergingCalls").asLong()).isEqualTo(5);
        assertThat(root.get("byKind").toString()).isEqualTo("{\"errno\":5}");
        assertThat(root.get("runs").get("iommufd").get("refused").asLong()).isEqualTo(5);
        assertThat(root.get("runs").get("type1").get("refused").asLong()).isZero();
        JsonNode first = root.get("divergences").get(0);
        assertThat(first.get("line").asLong()).isEqualTo(17);
        assertThat(first.get("size").asLong()).isEqualTo(0x6000);
        assertThat(first.get("differences").toString())
                .isEqualTo(
                        "[{\"kind\":\"errno\",\"values\":{\"type1\":\"0\",\"iommufd\":"
                                + "\"EFAULT\"}}]");
    }

    @Test
    void htmlHasTheSummaryAndTheDivergingCalls(@TempDir Path tmp) throws IOException {
        Path html = tmp.resolve("r.html");
        CliRunner r =
                CliRunner.run(
                        "replay",
                        "--compare",
                        "type1,iommufd",
                        "--summary",
                        "--html",
                        html.toString(),
                        TRACES.resolve(TRACE).toString());
        assertThat(r.exitCode).as(r.err()).isZero();
        assertThat(r.out()).doesNotContain("line 17");
        String page = Files.readString(html);
        assertThat(page)
                // Without --memory all four BARs are guessed as device memory, BAR 0's two pieces
                // included: iommufd refuses each with EFAULT, nothing is charged on either side.
                .contains("5 of 5 calls diverge: errno 5")
                .contains("<th>type1</th><th>iommufd</th>")
                .contains("EFAULT")
                .doesNotContain("4095 pages")
                .doesNotContain("<script");
    }

    @Test
    void badCombinationsAreExit2AndAnUnknownBackendExit3() {
        String trace = TRACES.resolve(TRACE).toString();
        CliRunner one = CliRunner.run("replay", "--compare", "iommufd", trace);
        assertThat(one.exitCode).isEqualTo(2);
        assertThat(one.err()).startsWith("vfio4j: --compare: name at least two backends");
        CliRunner withBackend =
                CliRunner.run("replay", "--compare", "type1,iommufd", "--backend", "type1", trace);
        assertThat(withBackend.exitCode).isEqualTo(2);
        assertThat(withBackend.err()).isEqualTo("vfio4j: --compare excludes --backend\n");
        CliRunner unknown = CliRunner.run("replay", "--compare", "type1,nosuch", trace);
        assertThat(unknown.exitCode).isEqualTo(3);
        assertThat(unknown.err())
                .startsWith("vfio4j: configuration error: No IOMMU backend named 'nosuch'");
    }
}
