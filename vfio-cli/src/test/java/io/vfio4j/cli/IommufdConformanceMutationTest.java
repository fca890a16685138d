package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.cli.scenario.ScenarioParser;
import io.vfio4j.cli.scenario.ScenarioResult;
import io.vfio4j.cli.scenario.ScenarioRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The iommufd conformance scenarios (compat and native) check what they say: each file fails when
 * one of its expected answers is changed (a count plus one, or another errno). By default the last
 * expected answer of each file (its case's conclusion); with {@code -Dvfio4j.long=true} every one.
 */
class IommufdConformanceMutationTest {
    private static final Path DIR = Path.of("../examples/scenarios/conformance");
    private static final boolean LONG = Boolean.getBoolean("vfio4j.long");

    /** An integer value or an errno name inside an expectation. */
    private static final Pattern ANSWER = Pattern.compile("(?<=: )(\\d+|E[A-Z0-9]+)(?=[,}]|$)");

    /** Where one answer is: its line (0-based) and its span in it. */
    record Answer(int line, int start, int end) {}

    static List<Answer> answers(List<String> lines) {
        List<Answer> out = new ArrayList<>();
        int expectIndent = -1;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            int indent = l.length() - l.stripLeading().length();
            boolean flow = l.stripLeading().startsWith("expect: {");
            if (l.stripLeading().equals("expect:")) {
                expectIndent = indent;
                continue;
            }
            if (!flow && (expectIndent < 0 || indent <= expectIndent || l.isBlank())) {
                expectIndent = -1;
                continue;
            }
            Matcher m = ANSWER.matcher(l);
            while (m.find()) {
                out.add(new Answer(i, m.start(), m.end()));
            }
        }
        return out;
    }

    private static String mutate(String value) {
        if (value.startsWith("E")) {
            return value.equals("EINVAL") ? "ENOENT" : "EINVAL";
        }
        return String.valueOf(Long.parseLong(value) + 1);
    }

    @Test
    void everyIommufdCaseFailsWhenAnExpectedAnswerChanges() throws IOException {
        List<Path> files;
        try (Stream<Path> f = Files.list(DIR)) {
            files =
                    f.filter(p -> p.getFileName().toString().startsWith("iommufd-"))
                            .sorted()
                            .toList();
        }
        assertThat(files).hasSize(12 + 38);
        ScenarioRunner runner = ScenarioRunner.standalone(true);
        int mutants = 0;
        for (Path p : files) {
            List<String> lines = Files.readAllLines(p);
            List<Answer> answers = answers(lines);
            assertThat(answers).as("%s expects some answer", p).isNotEmpty();
            List<Answer> chosen = LONG ? answers : List.of(answers.get(answers.size() - 1));
            for (Answer a : chosen) {
                List<String> changed = new ArrayList<>(lines);
                String l = lines.get(a.line());
                String was = l.substring(a.start(), a.end());
                changed.set(
                        a.line(), l.substring(0, a.start()) + mutate(was) + l.substring(a.end()));
                ScenarioResult r =
                        runner.run(
                                new ScenarioParser()
                                        .parse(p.toString(), String.join("\n", changed) + "\n"));
                assertThat(r.setupError()).as("%s still starts", p).isNull();
                assertThat(r.passed())
                        .as("%s line %d with %s changed to %s", p, a.line() + 1, was, mutate(was))
                        .isFalse();
                mutants++;
            }
        }
        assertThat(mutants).isGreaterThanOrEqualTo(12 + 38);
    }

    @Test
    void answersAreFoundInFlowAndBlockExpectationsOnly() {
        List<String> lines =
                List.of(
                        "  - ioas_map: {ioas: I, vaddr: ram, iova: 0, size: 4KiB}",
                        "    expect: {iova: 0, user_locked_vm: 256}",
                        "  - ioas_iova_ranges: {ioas: I}",
                        "    expect:",
                        "      iova_ranges: 2",
                        "      alignment: 4KiB",
                        "  - iommufd_destroy: {object: 0}",
                        "    expect: {errno: ENOENT}");
        assertThat(answers(lines))
                .containsExactly(
                        new Answer(1, 19, 20),
                        new Answer(1, 38, 41),
                        new Answer(4, 19, 20),
                        new Answer(7, 20, 26));
    }
}
