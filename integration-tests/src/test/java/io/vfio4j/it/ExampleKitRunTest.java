package io.vfio4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.tck.AccountingPropertySuite;
import io.vfio4j.tck.BackendConformanceSuite;
import io.vfio4j.tck.IommuBackendConformanceTest;
import io.vfio4j.tck.LongRunsOnly;
import io.vfio4j.tck.ProviderContractSuite;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.junit.jupiter.api.Test;
import org.junit.platform.commons.annotation.Testable;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The outside build of examples/noiommu-backend (run by the invoker plugin before the tests of this
 * module, against the staged artifacts) really ran the kit: every test and property the kit holds
 * appears in its Surefire reports, passed, and only the long runs were skipped. What the kit holds
 * is read from the kit itself, by reflection, so a test added to a suite is counted at once.
 */
class ExampleKitRunTest {
    private static final Path EXAMPLE = Path.of(System.getProperty("kit.example.dir"));
    private static final String CONFORMANCE_TEST = "com.example.noiommu.NoIommuConformanceTest";

    /** Every method a JUnit Platform engine runs (Jupiter's and jqwik's both are @Testable). */
    static List<Method> kitTests() {
        return Arrays.stream(IommuBackendConformanceTest.class.getMethods())
                .filter(m -> AnnotationSupport.isAnnotated(m, Testable.class))
                .toList();
    }

    /** The kit's methods that skip themselves unless -Dvfio4j.long=true. */
    static Set<String> longRunsOnly() {
        return kitTests().stream()
                .filter(
                        m ->
                                AnnotationSupport.findAnnotation(m, AddLifecycleHook.class)
                                        .map(
                                                h ->
                                                        Arrays.asList(h.value())
                                                                .contains(LongRunsOnly.class))
                                        .orElse(false))
                .map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static SurefireReports exampleReports() throws IOException {
        return SurefireReports.read(EXAMPLE.resolve("target/surefire-reports"));
    }

    @Test
    void theKitIsCountedFromEveryOneOfItsSuites() {
        Set<Class<?>> suites =
                kitTests().stream().map(Method::getDeclaringClass).collect(Collectors.toSet());
        assertThat(suites)
                .containsExactlyInAnyOrder(
                        ProviderContractSuite.class,
                        BackendConformanceSuite.class,
                        AccountingPropertySuite.class);
        assertThat(longRunsOnly()).isNotEmpty();
    }

    @Test
    void theOutsideBuildRanEveryTestTheKitHolds() throws IOException {
        List<SurefireReports.Case> ran = exampleReports().of(CONFORMANCE_TEST);
        Set<String> kit =
                kitTests().stream()
                        .map(Method::getName)
                        .collect(Collectors.toCollection(TreeSet::new));

        assertThat(ran)
                .as("test cases reported for " + CONFORMANCE_TEST)
                .hasSizeGreaterThanOrEqualTo(kitTests().size());
        assertThat(ran).extracting(SurefireReports.Case::name).containsAll(kit);
        assertThat(ran)
                .filteredOn(SurefireReports.Case::skipped)
                .extracting(SurefireReports.Case::name)
                .as("only the long runs may skip in a default run")
                .allMatch(longRunsOnly()::contains);
        assertThat(ran.stream().filter(c -> !c.skipped()).count())
                .as("kit tests executed")
                .isGreaterThanOrEqualTo(kit.size() - longRunsOnly().size());
    }

    @Test
    void theOutsideBuildRanTestsAndNoneFailed() throws IOException {
        List<SurefireReports.Case> all = exampleReports().cases();
        assertThat(all).filteredOn(c -> !c.skipped()).isNotEmpty();
        assertThat(all).filteredOn(SurefireReports.Case::failed).isEmpty();
        // The example's own tests ran too, not only the kit.
        assertThat(all)
                .extracting(SurefireReports.Case::className)
                .contains("com.example.noiommu.NoIommuBehaviourTest");
    }
}
