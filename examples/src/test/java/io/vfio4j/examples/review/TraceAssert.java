package io.vfio4j.examples.review;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.Errno;
import io.vfio4j.examples.review.Trace.Check;
import io.vfio4j.examples.review.Trace.Step;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Asserts a {@link Trace} step by step: {@code locked_vm} and the errno of every step. */
final class TraceAssert {
    /** What one step must end with. */
    record Expected(long lockedVm, Optional<Errno> error) {
        @Override
        public String toString() {
            return lockedVm + error.map(e -> " " + e).orElse("");
        }
    }

    private TraceAssert() {}

    static Expected ok(long lockedVm) {
        return new Expected(lockedVm, Optional.empty());
    }

    static Expected refused(long lockedVm, Errno errno) {
        return new Expected(lockedVm, Optional.of(errno));
    }

    static void assertSteps(Trace trace, Expected... expected) {
        List<Expected> actual =
                trace.steps().stream().map(s -> new Expected(s.lockedVm(), s.error())).toList();
        assertThat(actual)
                .as("locked_vm after each step of %s:%n%s", trace.title(), describe(trace.steps()))
                .containsExactly(expected);
    }

    /** Every data check passed, and there were at least {@code atLeast} of them. */
    static void assertData(Trace trace, int atLeast) {
        assertThat(trace.checks())
                .as("data checks of %s", trace.title())
                .hasSizeGreaterThanOrEqualTo(atLeast)
                .allSatisfy(c -> assertThat(c.passed()).as(c.toString()).isTrue());
    }

    static List<String> checkNames(Trace trace) {
        return trace.checks().stream().map(Check::what).toList();
    }

    private static String describe(List<Step> steps) {
        return String.join(
                System.lineSeparator(),
                Arrays.asList(steps.stream().map(Step::toString).toArray(String[]::new)));
    }
}
