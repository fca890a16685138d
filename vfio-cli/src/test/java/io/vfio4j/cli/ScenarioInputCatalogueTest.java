package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every row of {@link ScenarioInputCatalogue} through the command and checks its exit code and
 * exact answer; a row refused at run time is also run with {@code expect: {errno: ...}} to show a
 * scenario can expect it. docs/reliability.md's scenario-file table must equal the catalogue.
 */
class ScenarioInputCatalogueTest {
    static final Path DOC = Path.of("..", "docs", "reliability.md");
    static final String BEGIN =
            "<!-- scenario-catalogue:begin (generated from ScenarioInputCatalogue) -->";
    static final String END = "<!-- scenario-catalogue:end -->";

    @TempDir Path dir;

    /** The file a row describes. */
    static byte[] file(ScenarioInputCatalogue.Row row, String expectErrno) {
        String input = row.input();
        if (row.id().equals("SCN-28")) {
            return (ScenarioInputCatalogue.BASE + "#" + "x".repeat(1 << 20) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
        }
        String text;
        if (input.contains(" => ")) {
            String base = ScenarioInputCatalogue.BASE;
            if (input.startsWith("POWER: ")) {
                base = ScenarioInputCatalogue.POWER;
                input = input.substring("POWER: ".length());
            }
            String[] parts = input.split(" => ", 2);
            assertThat(base).as(row.id()).contains(parts[0]);
            text = base.replace(parts[0], parts[1].replace("aaaa...(100 a)", "a".repeat(100)));
        } else {
            StringBuilder sb = new StringBuilder(ScenarioInputCatalogue.BASE);
            for (String line : input.split("\n")) {
                sb.append("  ").append(line).append('\n');
            }
            if (expectErrno != null) {
                sb.append("    expect: {errno: ").append(expectErrno).append("}\n");
            }
            text = sb.toString();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String[] latin = text.split("\\\\xe9", -1);
        for (int i = 0; i < latin.length; i++) {
            out.writeBytes(latin[i].getBytes(StandardCharsets.UTF_8));
            if (i + 1 < latin.length) {
                out.write(0xe9);
            }
        }
        return out.toByteArray();
    }

    @TestFactory
    Stream<DynamicTest> everyRowGetsItsExactAnswer() {
        return ScenarioInputCatalogue.ROWS.stream()
                .map(
                        row ->
                                DynamicTest.dynamicTest(
                                        row.id() + " " + row.what(),
                                        () -> {
                                            Path f = dir.resolve(row.id() + ".yaml");
                                            Files.write(f, file(row, null));
                                            CliRunner r = CliRunner.run("run", "-q", f.toString());
                                            String all = r.out() + r.err();
                                            assertThat(r.exitCode).as(all).isEqualTo(row.exit());
                                            assertThat(all).contains(f + row.answer());
                                            assertThat(all)
                                                    .doesNotContain("Exception")
                                                    .doesNotContain("\tat ");
                                            if (row.errno() != null) {
                                                Files.write(f, file(row, row.errno()));
                                                CliRunner expected =
                                                        CliRunner.run("run", "-q", f.toString());
                                                assertThat(expected.exitCode)
                                                        .as(expected.out() + expected.err())
                                                        .isZero();
                                            }
                                        }));
    }

    static String table() {
        StringBuilder sb = new StringBuilder();
        sb.append("| id | invalid scenario input | exit | answer (after the file name) |\n");
        sb.append("| --- | --- | --- | --- |\n");
        for (ScenarioInputCatalogue.Row r : ScenarioInputCatalogue.ROWS) {
            sb.append("| ")
                    .append(r.id())
                    .append(" | ")
                    .append(r.what())
                    .append(": `")
                    .append(r.input().replace("\n", "` then `"))
                    .append("` | ")
                    .append(r.exit())
                    .append(" | `")
                    .append(r.answer())
                    .append('`')
                    .append(
                            r.errno() == null
                                    ? ""
                                    : "; with `expect: {errno: " + r.errno() + "}`: 0")
                    .append(" |\n");
        }
        return sb.toString();
    }

    @Test
    void docsReliabilityListsExactlyTheScenarioCatalogue() throws IOException {
        String expected = table();
        Path generated = Path.of("target", "scenario-input-catalogue.md");
        Files.createDirectories(generated.getParent());
        Files.writeString(generated, expected, StandardCharsets.UTF_8);
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertThat(begin).as("marker " + BEGIN + " in " + DOC).isGreaterThanOrEqualTo(0);
        assertThat(end).as("marker " + END + " in " + DOC).isGreaterThan(begin);
        String inDoc = doc.substring(begin + BEGIN.length(), end).strip() + "\n";
        assertThat(inDoc)
                .as(
                        "docs/reliability.md's scenario-file table; the generated one is in "
                                + generated)
                .isEqualTo(expected);
    }
}
