package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/iommufd.md's worked runs are executed as written: each block after an {@code <!--
 * iommufd:run -->} marker starts with the command ({@code $ vfio4j ...}) and shows the output it
 * prints, which must appear, line for line and in order, in what the command prints now. Paths in
 * the commands are from the repository's root.
 */
class IommufdGuideTest {
    private static final Path GUIDE = Path.of("../docs/iommufd.md");
    private static final String MARKER = "<!-- iommufd:run -->";

    record Run(List<String> args, List<String> shown) {}

    static List<Run> runs() throws IOException {
        return runs(GUIDE, MARKER);
    }

    /** The worked runs of a document: each code block after a line that is {@code marker}. */
    static List<Run> runs(Path guide, String marker) throws IOException {
        List<String> lines = Files.readAllLines(guide);
        List<Run> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).equals(marker)) {
                continue;
            }
            assertThat(lines.get(i + 1)).as("a code block follows line %d", i + 1).isEqualTo("```");
            String command = lines.get(i + 2);
            assertThat(command).startsWith("$ vfio4j ");
            List<String> shown = new ArrayList<>();
            int j = i + 3;
            while (!lines.get(j).equals("```")) {
                shown.add(lines.get(j));
                j++;
            }
            out.add(
                    new Run(
                            Arrays.asList(command.substring("$ vfio4j ".length()).split(" ")),
                            shown));
            i = j;
        }
        return out;
    }

    @Test
    void everyWorkedRunPrintsWhatTheGuideShows() throws IOException {
        List<Run> runs = runs();
        assertThat(runs).as("worked runs in docs/iommufd.md").hasSize(5);
        check(runs);
    }

    /** Runs each command and finds what the document shows, line for line, in its output. */
    static void check(List<Run> runs) {
        for (Run run : runs) {
            // The guide's paths are from the repository's root; the test runs in vfio-cli.
            String[] args =
                    run.args().stream()
                            .map(a -> a.startsWith("examples/") ? "../" + a : a)
                            .toArray(String[]::new);
            CliRunner r = CliRunner.run(args);
            assertThat(r.exitCode).as("%s: %s", run.args(), r.err()).isZero();
            List<String> printed =
                    r.out()
                            .replace("file: ../examples/", "file: examples/")
                            .lines()
                            .map(String::stripTrailing)
                            .toList();
            int at = printed.indexOf(run.shown().get(0));
            assertThat(at).as("%s prints the first shown line", run.args()).isNotNegative();
            assertThat(printed.subList(at, Math.min(printed.size(), at + run.shown().size())))
                    .as("the output of vfio4j %s", String.join(" ", run.args()))
                    .containsExactlyElementsOf(run.shown());
        }
    }
}
