package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every {@code $ vfio4j ...} command of docs/plan.md and compares what it prints with the
 * block below it, so the worked examples stay true. Paths in the document are from the repository
 * root; the test runs in vfio-cli/.
 */
class PlanDocTest {
    static final Path DOC = Path.of("../docs/plan.md");

    record Example(String command, String expected, int exitCode) {
        @Override
        public String toString() {
            return command;
        }
    }

    static List<Example> examples() throws IOException {
        List<String> lines = Files.readAllLines(DOC, StandardCharsets.UTF_8);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).equals("```console")) {
                continue;
            }
            String command = lines.get(++i).substring(2);
            StringBuilder expected = new StringBuilder();
            int exit = 0;
            for (i++; !lines.get(i).equals("```"); i++) {
                if (lines.get(i).startsWith("$ echo $? # ")) {
                    exit = Integer.parseInt(lines.get(i).substring("$ echo $? # ".length()));
                } else {
                    expected.append(lines.get(i)).append('\n');
                }
            }
            out.add(new Example(command, expected.toString(), exit));
        }
        return out;
    }

    @Test
    void theDocumentHasWorkedExamples() throws IOException {
        assertThat(examples()).hasSizeGreaterThanOrEqualTo(5);
        assertThat(examples()).allMatch(e -> e.command().startsWith("vfio4j plan "));
    }

    static Stream<Example> cases() throws IOException {
        return examples().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theCommandPrintsWhatTheDocumentShows(Example e) throws IOException {
        String[] words = e.command().substring("vfio4j ".length()).split(" ");
        for (int i = 0; i < words.length; i++) {
            words[i] = words[i].replace("docs/", "../docs/");
        }
        CliRunner r = CliRunner.run(words);
        String actual = r.out().replace("../docs/", "docs/");
        Path copy =
                Path.of("target", "plan-doc", Integer.toHexString(e.command().hashCode()) + ".txt");
        Files.createDirectories(copy.getParent());
        Files.writeString(copy, "$ " + e.command() + "\n" + actual, StandardCharsets.UTF_8);
        assertThat(r.err()).isEmpty();
        assertThat(actual)
                .as("output of '" + e.command() + "'; the actual one is in " + copy)
                .isEqualTo(e.expected());
        assertThat(r.exitCode).isEqualTo(e.exitCode());
    }
}
