package io.vfio4j.type1;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Asserts a refusal with an exact errno. */
final class Expect {
    private Expect() {}

    static void errno(Errno errno, ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOf(VfioException.class)
                .satisfies(
                        e ->
                                org.assertj.core.api.Assertions.assertThat(
                                                ((VfioException) e).errno())
                                        .isEqualTo(errno));
    }

    /** Refused with {@code errno} and nothing changed. */
    static void refusedWithoutTrace(Fixture f, Errno errno, ThrowingCallable call) {
        Snapshot before = f.snapshot();
        errno(errno, call);
        before.assertUnchanged(f);
    }
}
