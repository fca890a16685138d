package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Pins the full help text of the command and of every subcommand: one-line summaries, the option
 * spelling ({@code -D KEY=VALUE}, {@code -q} quiet, {@code -v} verbose) and the exit codes. A
 * deliberate change regenerates the expected file from {@code target/help/}.
 */
class HelpTextTest {
    @ParameterizedTest
    @CsvSource({
        "vfio4j.txt, --help",
        "run.txt, run --help",
        "demo.txt, demo --help",
        "backends.txt, backends --help",
        "replay.txt, replay --help",
        "oracle.txt, oracle --help",
        "plan.txt, plan --help",
        "run.txt, help run"
    })
    void theHelpTextIsExactlyThePinnedOne(String file, String args) throws IOException {
        CliRunner r = CliRunner.run(args.split(" "));
        Path actual = Path.of("target", "help", file);
        Files.createDirectories(actual.getParent());
        Files.writeString(actual, r.out(), StandardCharsets.UTF_8);
        assertThat(r.exitCode).isZero();
        assertThat(r.err()).isEmpty();
        String expected =
                Files.readString(Path.of("src/test/resources/help", file), StandardCharsets.UTF_8);
        assertThat(r.out()).as("help text; the actual one is in " + actual).isEqualTo(expected);
    }
}
