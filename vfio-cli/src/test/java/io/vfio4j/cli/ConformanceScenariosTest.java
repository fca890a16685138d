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
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The reference and the scenarios stay in step: every conformance case of docs/reference/*.md (the
 * type1 and SPAPR tables, iommufd's compat and native tables) has a scenario file under
 * examples/scenarios/conformance/, named after the case and citing it, and every file there passes.
 */
class ConformanceScenariosTest {
    private static final Path DIR = Path.of("../examples/scenarios/conformance");
    private static final Path REFERENCE = Path.of("../docs/reference");

    /**
     * Reference document, the heading its case table follows, the section number cases are cited
     * by, and the file-name prefix of its cases (and of its rows, for tables that also list rows of
     * another table).
     */
    private record Source(
            String doc, String heading, String section, String prefix, String rowPrefix) {}

    private static final List<Source> SOURCES =
            List.of(
                    new Source(
                            "type1-mdev.md", "## 7. Conformance cases", "7", "type1-case-", null),
                    new Source("spapr-tce.md", "## 8. Conformance cases", "8", "spapr-case-", null),
                    new Source(
                            "iommufd.md",
                            "## 10. Conformance cases",
                            "10",
                            "iommufd-compat-case-",
                            null),
                    new Source(
                            "iommufd.md",
                            "### Native cases",
                            "10",
                            "iommufd-native-case-",
                            "iommufd-native-row-"));

    /**
     * Cases that are not a scenario file, each with why. Empty: every public case can be written,
     * and keeping it so is the point of this test.
     */
    private static final Map<String, String> NOT_A_SCENARIO = Map.of();

    /** A file of a case: the case's own, or a variant of it in another kernel era. */
    private static final Pattern CASE_FILE =
            Pattern.compile(
                    "((?:type1|spapr|iommufd-native|iommufd-compat)-(?:case|row)-\\d+)(-kernel-\\d+\\.\\d+)?\\.yaml");

    /** Files that show an era difference rather than a numbered case. */
    private static final Pattern ERA_FILE = Pattern.compile("type1-era-[0-9.]+-[a-z0-9-]+\\.yaml");

    /**
     * A table row: its first cell lists case numbers ({@code 9, 11, 13}) or a row ({@code row 13}).
     */
    private static final Pattern ROW = Pattern.compile("^\\| ((?:row )?\\d+(?:, \\d+)*) \\|");

    /** One case of a reference table: its file name, and how its file cites and titles it. */
    record Case(String file, String cite, int number) {}

    /** The cases of one reference document's conformance table. */
    static List<Case> cases(Source s) throws IOException {
        List<String> lines = Files.readAllLines(REFERENCE.resolve(s.doc()));
        int start = lines.indexOf(s.heading());
        assertThat(start).as("%s has the section '%s'", s.doc(), s.heading()).isNotNegative();
        List<Case> out = new java.util.ArrayList<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("## ") || line.startsWith("### ")) {
                break;
            }
            Matcher m = ROW.matcher(line);
            if (!m.find()) {
                continue;
            }
            String cell = m.group(1);
            if (cell.startsWith("row ")) {
                int n = Integer.parseInt(cell.substring(4));
                assertThat(s.rowPrefix()).as("%s: a row in a table without rows", line).isNotNull();
                out.add(new Case(s.rowPrefix() + n, "row " + n, n));
            } else {
                for (String c : cell.split(", ")) {
                    int n = Integer.parseInt(c);
                    out.add(new Case(s.prefix() + n, "case " + n, n));
                }
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
            List<Case> cases = cases(s);
            // The public cases are the odd numbers; the even ones are reserved (the docs say so).
            assertThat(cases).as(s.doc()).isNotEmpty().allMatch(c -> c.number() % 2 == 1);
            for (Case c : cases) {
                if (NOT_A_SCENARIO.containsKey(c.file())) {
                    continue;
                }
                Path file = DIR.resolve(c.file() + ".yaml");
                assertThat(file)
                        .as("the scenario of %s §%s %s", s.doc(), s.section(), c.cite())
                        .exists();
                Scenario sc = new ScenarioParser().parse(file);
                assertThat(sc.name()).isEqualTo(c.file());
                assertThat(sc.reference())
                        .as("%s cites its case", file)
                        .startsWith(
                                "docs/reference/"
                                        + s.doc()
                                        + " §"
                                        + s.section()
                                        + " "
                                        + c.cite()
                                        + " ");
                assertThat(sc.title())
                        .as("%s says the rule in its title", file)
                        .startsWith(c.cite() + ": ");
            }
        }
    }

    @Test
    void theIommufdNativeTableIsReadCaseByCase() throws IOException {
        List<String> files = cases(SOURCES.get(3)).stream().map(Case::file).toList();
        // "| 9, 11, 13 |" is three cases; "| row 13 |" a row of §9's table.
        assertThat(files)
                .contains(
                        "iommufd-native-case-9",
                        "iommufd-native-case-11",
                        "iommufd-native-case-13",
                        "iommufd-native-row-13",
                        "iommufd-native-row-23")
                .hasSize(38)
                .doesNotHaveDuplicates();
    }

    @Test
    void everyFileIsACaseOfTheReferenceOrAnEraDifference() throws IOException {
        Set<String> known = new TreeSet<>();
        for (Source s : SOURCES) {
            cases(s).forEach(c -> known.add(c.file()));
        }
        for (Path p : files()) {
            String name = p.getFileName().toString();
            Matcher m = CASE_FILE.matcher(name);
            if (m.matches()) {
                assertThat(known).as("%s names a case of the reference", name).contains(m.group(1));
            } else {
                assertThat(name).as("a conformance file name").matches(ERA_FILE);
            }
        }
    }

    @Test
    void everyConformanceScenarioPasses() throws IOException {
        ScenarioRunner runner = ScenarioRunner.standalone(true);
        List<Path> all = files();
        assertThat(all).hasSizeGreaterThanOrEqualTo(76 + 12 + 38);
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
                .contains(
                        "PASSED type1-case-65 (9 steps)",
                        "PASSED spapr-case-45 (7 steps)",
                        "PASSED iommufd-compat-case-145 (4 steps)",
                        "PASSED iommufd-native-case-97 (9 steps)",
                        "PASSED iommufd-native-row-13 (10 steps)");
    }
}
