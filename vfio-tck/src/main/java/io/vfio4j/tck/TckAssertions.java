package io.vfio4j.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.core.VfioContainer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions shared by the suites. */
public final class TckAssertions {
    private TckAssertions() {}

    /**
     * {@code call} must fail with exactly {@code errno} and leave no trace in {@code container} or
     * on the host.
     */
    public static void assertRefused(
            TckSystem system, VfioContainer container, Errno errno, ThrowingCallable call) {
        TckTrace before = system.trace(container);
        VfioException e = catchThrowableOfType(VfioException.class, call);
        assertThat(e).as("expected %s", errno).isNotNull();
        assertThat(e.errno()).as(e.getMessage()).isEqualTo(errno);
        assertThat(system.trace(container))
                .as("a refused request leaves no trace")
                .isEqualTo(before);
        assertNoViolation(system);
    }

    /** The runtime's invariant checker finds nothing wrong now. */
    public static void assertNoViolation(TckSystem system) {
        assertThat(system.vfio().invariants().check()).isEmpty();
    }

    /** Nothing is pinned on the host and the VMM has nothing locked. */
    public static void assertNothingHeld(TckSystem system) {
        assertThat(system.lockedVm()).as("locked_vm").isZero();
        assertThat(system.host().memory().totalPins()).as("pins on host frames").isZero();
        assertNoViolation(system);
    }
}
