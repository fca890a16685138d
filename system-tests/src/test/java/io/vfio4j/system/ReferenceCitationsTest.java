package io.vfio4j.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every citation of the project's reference resolves: each {@code docs/reference/<file>.md §<n>} in
 * a tracked text file (Java, YAML, Markdown, POMs, scripts, …) names an existing file with a
 * heading numbered {@code n}, and nothing points at notes outside the repository.
 *
 * <p>It lives here because system-tests already reads the repository's documents (see {@link
 * BadInputCatalogueTest}); the repository root is the parent of the module directory, which
 * Surefire passes as the {@code basedir} system property.
 */
class ReferenceCitationsTest {
    private static final List<String> SELF =
            List.of("/ReferenceCitations.java", "/ReferenceCitationsTest.java");

    @Test
    void everyCitationInTheRepositoryResolvesAndNothingPointsOutside() throws IOException {
        Path root = repositoryRoot();
        List<String> files = trackedFiles(root);
        ReferenceCitations citations = ReferenceCitations.of(root, files);
        List<String> problems = new ArrayList<>();
        int scanned = 0;
        int cited = 0;
        for (String f : files) {
            Path p = root.resolve(f);
            if (SELF.stream().anyMatch(f::endsWith) || !Files.isRegularFile(p)) {
                // This checker's own sources hold bad citations on purpose, as test input.
                continue;
            }
            String text = ReferenceCitations.readText(p);
            if (text == null) {
                continue;
            }
            scanned++;
            if (text.contains(ReferenceCitations.REFERENCE_DIR)) {
                cited++;
            }
            problems.addAll(citations.problems(f, text));
        }
        assertThat(problems).as("citations of docs/reference in %d text files", scanned).isEmpty();
        // Guards against scanning nothing (a wrong root) and passing vacuously.
        assertThat(scanned).isGreaterThan(100);
        assertThat(cited).isGreaterThan(40);
    }

    @Test
    void theReferenceFilesCarryTheSectionsTheProjectIsBuiltOn() throws IOException {
        Path root = repositoryRoot();
        Map<String, Set<String>> expected =
                Map.of(
                        "type1-mdev.md",
                        Set.of(
                                "1.6", "2.2", "2.3", "2.5", "3.2", "3.4", "3.5", "3.6", "4.3",
                                "4.6", "7"),
                        "spapr-tce.md",
                        Set.of("1", "2", "3", "4", "5", "6", "7", "8"),
                        "plugins.md",
                        Set.of("4.2", "4.3", "4.4", "4.5", "4.6"),
                        "architecture.md",
                        Set.of("2", "4", "5"));
        for (var e : expected.entrySet()) {
            Path file = root.resolve(ReferenceCitations.REFERENCE_DIR).resolve(e.getKey());
            assertThat(ReferenceCitations.headings(Files.readString(file)))
                    .as(e.getKey())
                    .containsAll(e.getValue());
        }
    }

    @Test
    void aMissingSectionAMissingFileAndABareCitationAreEachReported() {
        ReferenceCitations c =
                new ReferenceCitations(
                        Map.of(
                                "type1-mdev.md",
                                ReferenceCitations.headings("## 4. A\n### 4.6 B\n")),
                        Set.of());
        assertThat(c.problems("X.java", " * see docs/reference/type1-mdev.md §4.6, §4")).isEmpty();
        assertThat(c.problems("X.java", " * see docs/reference/type1-mdev.md §4.7"))
                .containsExactly(
                        "X.java:1: cites docs/reference/type1-mdev.md §4.7, but that file has no"
                                + " heading numbered 4.7");
        assertThat(c.problems("a.yaml", "x\nreference: docs/reference/nope.md §1"))
                .containsExactly("a.yaml:2: cites docs/reference/nope.md, which does not exist");
        assertThat(c.problems("X.java", "(type1-mdev.md §4.6)"))
                .singleElement()
                .asString()
                .contains("without its path");
        assertThat(c.problems("X.java", "the reference §6 says")).hasSize(1);
        assertThat(c.problems("X.java", "// spapr-tce.md Q5: partial pin")).hasSize(1);
        // A section cited after a table cell or another file belongs to that other text.
        assertThat(c.problems("d.md", "| docs/reference/type1-mdev.md §4 | other §9 |")).isEmpty();
    }

    @Test
    void siblingsInsideTheReferenceMayBeNamedByFileNameAndAreChecked() {
        ReferenceCitations c =
                new ReferenceCitations(
                        Map.of("spapr-tce.md", ReferenceCitations.headings("## 1. Objects\n")),
                        Set.of());
        assertThat(
                        c.problems(
                                "docs/reference/type1-mdev.md",
                                "see [spapr-tce.md §1](spapr-tce.md)"))
                .isEmpty();
        assertThat(c.problems("docs/reference/type1-mdev.md", "see spapr-tce.md §2")).hasSize(1);
    }

    @Test
    void notesOutsideTheRepositoryAreRefused() {
        ReferenceCitations c = new ReferenceCitations(Map.of(), Set.of());
        String up = "..";
        assertThat(c.problems("README.md", "live in `" + up + "/shared/`")).hasSize(1);
        assertThat(c.problems("A.java", "(" + "DESIGN" + ".md, rules)")).hasSize(1);
        assertThat(c.problems("A.java", "see shared/" + "reference/type1")).hasSize(1);
        assertThat(
                        new ReferenceCitations(Map.of(), Set.of("DESIGN" + ".md"))
                                .problems("A.java", "see " + "DESIGN" + ".md"))
                .as("a file of that name in the repository is not outside")
                .isEmpty();
        String module = "kernel-" + "oracle";
        assertThat(c.problems("README.md", "the " + module + " module")).hasSize(1);
        assertThat(
                        new ReferenceCitations(Map.of(), Set.of(module, "pom.xml"))
                                .problems("README.md", "the " + module + " module"))
                .as("a directory of that name in the repository is not outside")
                .isEmpty();
        assertThat(
                        new ReferenceCitations(Map.of(), Set.of(module))
                                .problems("README.md", up + "/shared/reference/" + module))
                .as("a path to the notes is refused all the same")
                .hasSize(2);
    }

    static Path repositoryRoot() {
        Path module = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        Path root = module.getParent();
        assertThat(root.resolve("pom.xml"))
                .as("repository root from basedir %s", module)
                .isRegularFile();
        assertThat(root.resolve(ReferenceCitations.REFERENCE_DIR)).isDirectory();
        return root.normalize();
    }

    /** The files git tracks; without git (a source archive), every file outside build output. */
    static List<String> trackedFiles(Path root) throws IOException {
        List<String> fromGit = gitLsFiles(root);
        if (fromGit != null) {
            return fromGit;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(
                            p ->
                                    Arrays.stream(p.split("/"))
                                            .noneMatch(ReferenceCitationsTest::skipped))
                    .sorted()
                    .toList();
        }
    }

    private static boolean skipped(String segment) {
        return segment.equals("target") || segment.startsWith(".");
    }

    private static List<String> gitLsFiles(Path root) {
        try {
            Process git =
                    new ProcessBuilder("git", "ls-files", "-z")
                            .directory(root.toFile())
                            .redirectErrorStream(false)
                            .redirectError(ProcessBuilder.Redirect.DISCARD)
                            .start();
            String out;
            try (InputStream in = git.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!git.waitFor(30, TimeUnit.SECONDS) || git.exitValue() != 0 || out.isEmpty()) {
                git.destroy();
                return null;
            }
            return Arrays.stream(out.split("\0")).filter(s -> !s.isEmpty()).sorted().toList();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
