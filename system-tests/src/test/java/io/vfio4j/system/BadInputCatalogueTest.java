package io.vfio4j.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vfio4j.api.VfioException;
import io.vfio4j.system.BadInputCatalogue.Row;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the {@link BadInputCatalogue}: every invalid request gets its exact errno (or exception) and
 * leaves the whole system as it was ({@link SystemSnapshot} equal before and after, invariant
 * checker clean). Also keeps the table in docs/reliability.md equal to the catalogue.
 */
class BadInputCatalogueTest {
    static final Path DOC = Path.of("..", "docs", "reliability.md");
    static final String BEGIN = "<!-- catalogue:begin (generated from BadInputCatalogue) -->";
    static final String END = "<!-- catalogue:end -->";

    @TestFactory
    Stream<DynamicTest> everyInvalidRequestIsRefusedExactlyAndLeavesNoTrace() {
        return BadInputCatalogue.rows().stream()
                .map(
                        row ->
                                DynamicTest.dynamicTest(
                                        row.id() + " " + row.description(), () -> check(row)));
    }

    /**
     * Rows refused after pinning writable pages: the unwind marks those frames dirty, as in the
     * kernel (docs/deviations.md T1-9).
     */
    static final Set<String> UNWIND_DIRTIES = Set.of("T1-ATT-05", "T1-ATT-06", "PIN-07", "PIN-10");

    private static void check(Row row) throws Throwable {
        Fx f = new Fx(row.setup());
        row.prepare().run(f);
        SystemSnapshot before = f.snapshot();
        Throwable thrown = catchThrowable(() -> row.request().run(f));
        assertThat(thrown).as(row.id() + ": the request must be refused").isNotNull();
        if (thrown instanceof VfioException e) {
            assertThat(e.errno().name())
                    .as(row.id() + ": " + e.getMessage())
                    .isEqualTo(row.expected());
        } else {
            assertThat(thrown.getClass().getSimpleName())
                    .as(row.id() + ": " + thrown)
                    .isEqualTo(row.expected());
        }
        SystemSnapshot after = f.snapshot();
        if (UNWIND_DIRTIES.contains(row.id())) {
            // The kernel unpins what the call pinned with the mapping's prot: writable frames
            // come back dirty (docs/deviations.md T1-9). Nothing else may change.
            assertThat(before.onlyDirtyGrewTo(after) && !after.equals(before))
                    .as(
                            row.id()
                                    + " must leave exactly the unwind's dirty marks:\n"
                                    + before.diff(after))
                    .isTrue();
        } else {
            assertThat(after)
                    .as(row.id() + " left a trace:\n" + before.diff(after))
                    .isEqualTo(before);
        }
        assertThat(f.vfio.invariants().check()).as(row.id()).isEmpty();
    }

    @Test
    void theCatalogueHasAtLeastAHundredDistinctRows() {
        List<Row> rows = BadInputCatalogue.rows();
        assertThat(rows).hasSizeGreaterThanOrEqualTo(100);
        Set<String> ids = new HashSet<>();
        Set<String> descriptions = new HashSet<>();
        for (Row r : rows) {
            assertThat(ids.add(r.id())).as("duplicate id " + r.id()).isTrue();
            assertThat(descriptions.add(r.area() + ": " + r.description()))
                    .as("duplicate description " + r.description())
                    .isTrue();
        }
    }

    /** The markdown table docs/reliability.md must hold between the catalogue markers. */
    static String table() {
        StringBuilder sb = new StringBuilder();
        sb.append("| id | area | invalid request | expected |\n");
        sb.append("| --- | --- | --- | --- |\n");
        for (Row r : BadInputCatalogue.rows()) {
            sb.append("| ")
                    .append(r.id())
                    .append(" | ")
                    .append(r.area())
                    .append(" | ")
                    .append(r.description().replace("|", "\\|"))
                    .append(" | ")
                    .append(r.expected())
                    .append(" |\n");
        }
        return sb.toString();
    }

    @Test
    void docsReliabilityListsExactlyTheCatalogue() throws IOException {
        String expected = table();
        Path generated = Path.of("target", "bad-input-catalogue.md");
        Files.createDirectories(generated.getParent());
        Files.writeString(generated, expected, StandardCharsets.UTF_8);
        assertThat(DOC).exists();
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertThat(begin).as("marker " + BEGIN + " in " + DOC).isGreaterThanOrEqualTo(0);
        assertThat(end).as("marker " + END + " in " + DOC).isGreaterThan(begin);
        String inDoc = doc.substring(begin + BEGIN.length(), end).strip() + "\n";
        assertThat(inDoc)
                .as("docs/reliability.md's catalogue table; the generated one is in " + generated)
                .isEqualTo(expected);
    }
}
