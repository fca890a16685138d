package io.vfio4j.mdev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

final class Errnos {
    private Errnos() {}

    static void assertErrno(ThrowingCallable call, Errno errno) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(errno));
    }
}
