package io.vfio4j.host;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Shared assertions for the host tests. */
final class HostAssertions {
    private HostAssertions() {}

    /** Asserts that {@code call} throws a {@link VfioException} with exactly {@code errno}. */
    static void assertErrno(Errno errno, ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioException.class,
                        e ->
                                org.assertj.core.api.Assertions.assertThat(e.errno())
                                        .isEqualTo(errno));
    }
}
