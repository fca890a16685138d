package io.vfio4j.host;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An atomic long with 64 bytes of padding on both sides (superclass fields are laid out first,
 * subclass fields last), for a counter one VM's thread writes on every pin: a copying collector may
 * place the counters of different VMs next to each other, and two cores writing one cache line
 * serialise (false sharing).
 */
final class PaddedCounter extends CacheLinePadding.LeadingCounter {
    @SuppressWarnings("unused")
    private long q0, q1, q2, q3, q4, q5, q6, q7;

    private static final VarHandle VALUE;

    static {
        try {
            VALUE =
                    MethodHandles.lookup()
                            .findVarHandle(
                                    CacheLinePadding.LeadingCounter.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long get() {
        return value;
    }

    boolean compareAndSet(long expected, long next) {
        return VALUE.compareAndSet(this, expected, next);
    }

    /** Adds {@code delta}; returns the value before. */
    long getAndAdd(long delta) {
        return (long) VALUE.getAndAdd(this, delta);
    }
}
