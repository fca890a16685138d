package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/oracle.md lists exactly the differences the code lists, and describes the shipped suite. */
class OracleDocsTest {
    static String doc() throws Exception {
        return Files.readString(Path.of("..", "docs", "oracle.md"));
    }

    @Test
    void theOpenDifferencesAreExactlyTheListedOnes() throws Exception {
        String open = section("## Open differences");
        long rows = open.lines().filter(l -> l.startsWith("| `")).count();
        assertThat(rows).isEqualTo(KnownDifferences.all().size());
        for (KnownDifference d : KnownDifferences.all()) {
            assertThat(open).contains("| `" + d.id() + "` | " + eras(d) + " |");
        }
    }

    @Test
    void everyResolvedDifferenceKeepsItsEvidenceAndSaysHowItWasResolved() throws Exception {
        String resolved = section("## Differences found and resolved");
        long rows = resolved.lines().filter(l -> l.startsWith("| `")).count();
        assertThat(rows).isEqualTo(ResolvedDifferences.all().size());
        for (KnownDifference d : ResolvedDifferences.all()) {
            String row =
                    resolved.lines()
                            .filter(l -> l.startsWith("| `" + d.id() + "` | " + eras(d) + " |"))
                            .findFirst()
                            .orElseThrow();
            assertThat(row).containsAnyOf("Now **modelled**", "Now **fixed**");
        }
    }

    private static String section(String heading) throws Exception {
        String s = doc().substring(doc().indexOf(heading));
        return s.substring(0, s.indexOf("\n## "));
    }

    private static String eras(KnownDifference d) {
        return String.join(", ", d.eras().stream().sorted(OracleDocsTest::byVersion).toList());
    }

    @Test
    void theSuiteIsAsDescribed() throws Exception {
        ProbeProgram p = OracleSuite.program();
        int ops = p.scenarios().stream().mapToInt(s -> s.ops().size()).sum();
        assertThat(doc())
                .contains("(" + p.scenarios().size() + " scenarios, " + ops + " operations:");
        assertThat(doc()).contains("Of the suite's " + ops + "\noperations");
    }

    @Test
    void theMdevListsAreAsDescribedAndEachHasItsExpectedAnswers() throws Exception {
        long total = 0;
        for (String list : List.of("pinning", "cases", "dmarw", "exit")) {
            List<String> lines =
                    MdevPinningIT.resource("mdev/" + list + ".ops")
                            .lines()
                            .filter(l -> !l.isBlank() && !l.startsWith("#"))
                            .toList();
            // a child's exit answers twice: the child's last line and the parent's REAPED
            long exits = lines.stream().filter(l -> l.startsWith("exit ")).count();
            long answers = MdevPinningIT.resource("mdev/" + list + ".expected").lines().count();
            assertThat(answers).as(list).isEqualTo(lines.size() + exits);
            total += lines.size();
        }
        assertThat(doc()).contains("(" + total + " operations in four lists)");
    }

    private static int byVersion(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        int c = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
        return c != 0 ? c : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
    }
}
