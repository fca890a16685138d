package io.vfio4j.host;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A non-reentrant lock whose state word has a cache line to itself, whatever objects the garbage
 * collector places around it (64 bytes of padding on both sides, as {@link PaddedCounter}). A
 * monitor ({@code synchronized}) writes the object's header, which shares a line with whatever
 * object precedes it in memory: with two VMs pinning on two threads, a copying collection put one
 * VM's frame bank header next to the other VM's data, and two threads gave 1.2 times the pin rate
 * of one; without the monitor, 1.8 (issue 17).
 *
 * <p>States: 0 free, 1 held, 2 held and maybe waited for (the classic three-state futex mutex).
 * Uncontended, {@link #lock} is one compare-and-set and {@link #unlock} one atomic add, as a thin
 * monitor. Waiters block on a plain monitor, used only under contention; interrupts are kept for
 * the caller, not thrown. Not re-entrant: a thread locking it again fails with {@link
 * IllegalStateException} instead of waiting for itself forever.
 */
final class IsolatedMutex extends CacheLinePadding.LeadingLock {
    @SuppressWarnings("unused")
    private long q0, q1, q2, q3, q4, q5, q6, q7;

    private static final VarHandle STATE;

    static {
        try {
            STATE =
                    MethodHandles.lookup()
                            .findVarHandle(CacheLinePadding.LeadingLock.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object waiters = new Object();

    void lock() {
        if (!STATE.compareAndSet(this, 0L, 1L)) {
            lockContended();
        }
        owner = Thread.currentThread().getId();
    }

    private void lockContended() {
        if (owner == Thread.currentThread().getId()) {
            throw new IllegalStateException("the lock is not re-entrant and this thread holds it");
        }
        boolean interrupted = false;
        synchronized (waiters) {
            // Marking the lock 2 before waiting makes its holder's unlock wake someone; the
            // monitor is held from this test to wait(), so that wake-up cannot come in between.
            while ((long) STATE.getAndSet(this, 2L) != 0L) {
                try {
                    waiters.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    void unlock() {
        long holder = owner;
        owner = 0L;
        long was = (long) STATE.getAndAdd(this, -1L);
        if (was == 1L) {
            return;
        }
        if (was != 2L) {
            STATE.getAndAdd(this, 1L);
            owner = holder;
            throw new IllegalMonitorStateException("unlock of a mutex that is not held");
        }
        state = 0L;
        synchronized (waiters) {
            waiters.notify();
        }
    }

    /** True while some thread holds the lock (for tests and assertions). */
    boolean isLocked() {
        return state != 0L;
    }
}
