package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.cli.scenario.Scenario;
import io.vfio4j.cli.scenario.ScenarioParser;
import io.vfio4j.cli.scenario.ScenarioResult;
import io.vfio4j.cli.scenario.ScenarioRunner;
import io.vfio4j.cli.scenario.StepResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The reference and the scenarios stay in step: every conformance case of docs/reference/*.md has a
 * scenario file under examples/scenarios/conformance/, named after the case and citing it, and
 * every file there passes.
 */
class ConformanceScenariosTest {
    private static final Path DIR = Path.of("../examples/scenarios/conformance");
    private static final Path REFERENCE = Path.of("../docs/reference");

    /** Reference document, its conformance section, the file-name prefix of its cases. */
    private record Source(String doc, String section, String prefix) {}

    private static final List<Source> SOURCES =
            List.of(
                    new Source("type1-mdev.md", "## 7. Conformance cases", "type1-case-"),
                    new Source("spapr-tce.md", "## 8. Conformance cases", "spapr-case-"));

    /**
     * Cases that are not a scenario file, each with why. Empty: every public case can be written,
     * and keeping it so is the point of this test.
     */
    private static final Map<String, String> NOT_A_SCENARIO = Map.of();

    /** A file of a case: the case's own, or a variant of it in another kernel era. */
    private static final Pattern CASE_FILE =
            Pattern.compile("(type1|spapr)-case-(\\d+)(-kernel-\\d+\\.\\d+)?\\.yaml");

    /** Files that show an era difference rather than a numbered case. */
    private static final Pattern ERA_FILE = Pattern.compile("type1-era-[0-9.]+-[a-z0-9-]+\\.yaml");

    private static final Pattern ROW = Pattern.compile("^\\| (\\d+) \\|");

    /** The case numbers of one reference document's conformance table. */
    static Set<Integer> cases(Source s) throws IOException {
        List<String> lines = Files.readAllLines(REFERENCE.resolve(s.doc()));
        int start = lines.indexOf(s.section());
        assertThat(start).as("%s has the section '%s'", s.doc(), s.section()).isNotNegative();
        Set<Integer> out = new TreeSet<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("## ")) {
                break;
            }
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                out.add(Integer.parseInt(m.group(1)));
            }
        }
        return out;
    }

    static List<Path> files() throws IOException {
        try (Stream<Path> f = Files.list(DIR)) {
            return f.sorted().toList();
        }
    }

    @Test
    void everyConformanceCaseOfTheReferenceHasAScenarioFileThatCitesIt() throws IOException {
        for (Source s : SOURCES) {
            Set<Integer> cases = cases(s);
            // The public cases are the odd numbers; the even ones are reserved (the docs say so).
            assertThat(cases).as(s.doc()).isNotEmpty().allMatch(n -> n % 2 == 1);
            for (int n : cases) {
                String name = s.prefix() + n;
                if (NOT_A_SCENARIO.containsKey(name)) {
                    continue;
                }
                Path file = DIR.resolve(name + ".yaml");
                assertThat(file)
                        .as("the scenario of %s §%s case %d", s.doc(), s.section(), n)
                        .exists();
                Scenario sc = new ScenarioParser().parse(file);
                assertThat(sc.name()).isEqualTo(name);
                assertThat(sc.reference())
                        .as("%s cites its case", file)
                        .startsWith(
                                "docs/reference/"
                                        + s.doc()
                                        + " §"
                                        + s.section().substring(3, 4)
                                        + " case "
                                        + n
                                        + " ");
                assertThat(sc.title())
                        .as("%s says the rule in its title", file)
                        .startsWith("case " + n + ": ");
            }
        }
    }

    @Test
    void everyFileIsACaseOfTheReferenceOrAnEraDifference() throws IOException {
        Map<String, Set<Integer>> known = new TreeMap<>();
        for (Source s : SOURCES) {
            known.put(s.prefix().substring(0, s.prefix().indexOf('-')), cases(s));
        }
        for (Path p : files()) {
            String name = p.getFileName().toString();
            Matcher m = CASE_FILE.matcher(name);
            if (m.matches()) {
                assertThat(known.get(m.group(1)))
                        .as("%s names a case of the reference", name)
                        .contains(Integer.parseInt(m.group(2)));
            } else {
                assertThat(name).as("a conformance file name").matches(ERA_FILE);
            }
        }
    }

    @Test
    void everyConformanceScenarioPasses() throws IOException {
        ScenarioRunner runner = ScenarioRunner.standalone(true);
        List<Path> all = files();
        assertThat(all).hasSizeGreaterThanOrEqualTo(76);
        for (Path p : all) {
            ScenarioResult r = runner.run(new ScenarioParser().parse(p));
            for (StepResult s : r.steps()) {
                assertThat(s.status())
                        .as("%s step %d: %s %s", p, s.step().number(), s.failures(), s.message())
                        .isEqualTo(StepResult.Status.PASSED);
            }
            assertThat(r.passed()).as(p.toString()).isTrue();
        }
    }

    /** What docs/scenarios.md tells a reader to run: one PASSED line per file, exit 0. */
    @Test
    void theDocumentedCommandPassesEveryFile() throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("run", "-q"));
        files().forEach(p -> args.add(p.toString()));
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        assertThat(r.exitCode).as(r.out() + r.err()).isZero();
        assertThat(r.out().lines()).hasSize(files().size()).allMatch(l -> l.startsWith("PASSED "));
        assertThat(r.out())
                .contains("PASSED type1-case-65 (9 steps)", "PASSED spapr-case-45 (7 steps)");
    }
}
