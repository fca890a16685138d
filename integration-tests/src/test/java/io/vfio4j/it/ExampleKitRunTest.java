package io.vfio4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.tck.AccountingPropertySuite;
import io.vfio4j.tck.BackendConformanceSuite;
import io.vfio4j.tck.IommuBackendConformanceTest;
import io.vfio4j.tck.LongRunsOnly;
import io.vfio4j.tck.ProviderContractSuite;
import io.vfio4j.tck.VendorConformanceSuite;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.commons.annotation.Testable;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The outside build of examples/noiommu-backend (run by the invoker plugin before the tests of this
 * module, against the staged artifacts) really ran the kit: every test and property the kit holds
 * appears in its Surefire reports and passed, and only the long runs were skipped. What the kit
 * holds is read from the kit itself, by reflection, so a test added to a suite is counted at once.
 */
class ExampleKitRunTest {
    private static final Path EXAMPLE = Path.of(System.getProperty("kit.example.dir"));
    private static final String CONFORMANCE_TEST = "com.example.noiommu.NoIommuConformanceTest";

    @TempDir Path temp;

    /** Every method a JUnit Platform engine runs (Jupiter's @Test and jqwik's @Property both). */
    static List<Method> kitTests() {
        return Arrays.stream(IommuBackendConformanceTest.class.getMethods())
                .filter(m -> AnnotationSupport.isAnnotated(m, Testable.class))
                .toList();
    }

    static Set<String> kitTestNames() {
        return kitTests().stream()
                .map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The kit's methods that skip themselves unless -Dvfio4j.long=true. */
    static Set<String> longRunsOnly() {
        return kitTests().stream()
                .filter(
                        m ->
                                AnnotationSupport.findAnnotation(m, AddLifecycleHook.class)
                                        .map(h -> Arrays.asList(h.value()))
                                        .orElse(List.of())
                                        .contains(LongRunsOnly.class))
                .map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * What a run of the kit through {@code testClass} fell short by; empty when it ran every kit
     * test, skipped only the long runs and failed none.
     */
    static List<String> shortfall(SurefireReports reports, String testClass) {
        List<String> problems = new ArrayList<>();
        if (reports.cases().stream().noneMatch(c -> !c.skipped())) {
            problems.add("no test ran");
        }
        List<SurefireReports.Case> ran = reports.of(testClass);
        Set<String> names =
                ran.stream().map(SurefireReports.Case::name).collect(Collectors.toSet());
        for (String test : kitTestNames()) {
            if (!names.contains(test)) {
                problems.add("kit test " + test + " did not run");
            }
        }
        if (ran.size() < kitTests().size()) {
            problems.add(ran.size() + " test cases reported, the kit holds " + kitTests().size());
        }
        for (SurefireReports.Case c : reports.cases()) {
            if (c.failed()) {
                problems.add(c.className() + "." + c.name() + " failed");
            }
            if (c.skipped() && ran.contains(c) && !longRunsOnly().contains(c.name())) {
                problems.add(c.name() + " was skipped");
            }
        }
        return problems;
    }

    @Test
    void theKitIsCountedFromEveryOneOfItsSuites() {
        Set<Class<?>> suites =
                kitTests().stream().map(Method::getDeclaringClass).collect(Collectors.toSet());
        assertThat(suites)
                .containsExactlyInAnyOrder(
                        ProviderContractSuite.class,
                        BackendConformanceSuite.class,
                        VendorConformanceSuite.class,
                        AccountingPropertySuite.class);
        assertThat(longRunsOnly()).containsExactly("accountingFollowsTheReferenceModelInLongRuns");
    }

    @Test
    void theOutsideBuildRanEveryTestTheKitHoldsAndNoneFailed() throws IOException {
        SurefireReports reports = SurefireReports.read(EXAMPLE.resolve("target/surefire-reports"));
        assertThat(shortfall(reports, CONFORMANCE_TEST)).isEmpty();
        // The example's own tests ran too, not only the kit.
        assertThat(reports.cases())
                .extracting(SurefireReports.Case::className)
                .contains("com.example.noiommu.NoIommuBehaviourTest");
    }

    private SurefireReports report(List<String> names, String skipped) throws IOException {
        StringBuilder xml = new StringBuilder("<testsuite name=\"x\">\n");
        for (String name : names) {
            xml.append("<testcase name=\"")
                    .append(name)
                    .append("\" classname=\"")
                    .append(CONFORMANCE_TEST)
                    .append(name.equals(skipped) ? "\"><skipped/></testcase>\n" : "\"/>\n");
        }
        Path dir = Files.createDirectories(temp.resolve("reports"));
        Files.writeString(dir.resolve("TEST-" + CONFORMANCE_TEST + ".xml"), xml + "</testsuite>\n");
        return SurefireReports.read(dir);
    }

    @Test
    void aRunMissingOneKitTestFallsShortNamingIt() throws IOException {
        List<String> all = new ArrayList<>(kitTestNames());
        String missing = all.remove(0);
        assertThat(shortfall(report(all, null), CONFORMANCE_TEST))
                .containsExactly(
                        "kit test " + missing + " did not run",
                        all.size() + " test cases reported, the kit holds " + (all.size() + 1));
    }

    @Test
    void aRunOfNoTestFallsShort() throws IOException {
        assertThat(shortfall(report(List.of(), null), CONFORMANCE_TEST))
                .contains("no test ran")
                .hasSize(1 + kitTests().size() + 1);
    }

    @Test
    void aRunSkippingMoreThanTheLongRunsFallsShort() throws IOException {
        List<String> all = new ArrayList<>(kitTestNames());
        assertThat(
                        shortfall(
                                report(all, "accountingFollowsTheReferenceModelInLongRuns"),
                                CONFORMANCE_TEST))
                .isEmpty();
        assertThat(shortfall(report(all, "dmaMapping"), CONFORMANCE_TEST))
                .containsExactly("dmaMapping was skipped");
    }
}
