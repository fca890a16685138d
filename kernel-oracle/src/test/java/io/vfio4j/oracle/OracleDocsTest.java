package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/oracle.md lists exactly the differences the code lists, and describes the shipped suite. */
class OracleDocsTest {
    static String doc() throws Exception {
        return Files.readString(Path.of("..", "docs", "oracle.md"));
    }

    @Test
    void everyListedDifferenceIsInTheTableAndNoOther() throws Exception {
        String table = doc().substring(doc().indexOf("## Differences found"));
        table = table.substring(0, table.indexOf("\n## "));
        long rows = table.lines().filter(l -> l.startsWith("| `")).count();
        assertThat(rows).isEqualTo(KnownDifferences.all().size());
        for (KnownDifference d : KnownDifferences.all()) {
            assertThat(table)
                    .contains(
                            "| `"
                                    + d.id()
                                    + "` | "
                                    + String.join(
                                            ", ",
                                            d.eras().stream()
                                                    .sorted(OracleDocsTest::byVersion)
                                                    .toList())
                                    + " |");
        }
    }

    @Test
    void theSuiteIsAsDescribed() throws Exception {
        ProbeProgram p = OracleSuite.program();
        int ops = p.scenarios().stream().mapToInt(s -> s.ops().size()).sum();
        assertThat(doc())
                .contains("(" + p.scenarios().size() + " scenarios, " + ops + " operations:");
        assertThat(doc()).contains("Of the suite's " + ops + "\noperations");
    }

    private static int byVersion(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        int c = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
        return c != 0 ? c : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
    }
}
