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
 * {@link #lock} is one compare-and-set when the lock is free. Waiters block on a plain monitor,
 * used only under contention; interrupts are kept for the caller, not thrown.
 *
 * <p>{@link #unlock} has two paths:
 *
 * <ul>
 *   <li>While no thread has had to wait lately, it is a release store. That is no atomic
 *       instruction or fence, which on x86 cost tens of cycles, and one pin+unpin of a page takes
 *       this lock twice (issue 17: random single-page pin+unpin from 10.4 to 11.3 M pages/s).
 *   <li>For {@link #CONTENDED_WINDOW} unlocks after a thread had to wait, it is an atomic add, as
 *       the classic mutex, which wakes a waiter at once. Under steady contention the release store
 *       alone cost two threads pinning from one bank half their rate or more.
 * </ul>
 *
 * <p>A release store can miss the first waiter of a contention spell. The unlocking core reads
 * state 1 and then stores 0. A thread that marked the lock 2 in between (it saw 1) is not notified.
 * So waiters wait at most {@link #WAIT_MILLIS} before they try again. Mutual exclusion rests on the
 * compare-and-set and get-and-set alone.
 *
 * <p>Not re-entrant: a thread locking it again fails with {@link IllegalStateException} instead of
 * waiting for itself forever.
 */
final class IsolatedMutex extends CacheLinePadding.LeadingLock {
    @SuppressWarnings("unused")
    private long q0, q1, q2, q3, q4, q5, q6, q7;

    /** Unlocks that stay atomic after a thread had to wait. */
    static final int CONTENDED_WINDOW = 1024;

    /** The longest a waiter waits before trying again, had its wake-up been missed (see above). */
    static final long WAIT_MILLIS = 1;

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
            // Marking the lock 2 before waiting makes its holder's atomic unlock wake someone; the
            // monitor is held from this test to wait(), so that wake-up cannot come in between.
            while ((long) STATE.getAndSet(this, 2L) != 0L) {
                try {
                    waiters.wait(WAIT_MILLIS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        // Held now, so written under the lock, as every write of this field is.
        atomicUnlocks = CONTENDED_WINDOW;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    void unlock() {
        if (state == 0L || owner != Thread.currentThread().getId()) {
            throw new IllegalMonitorStateException("unlock of a mutex this thread does not hold");
        }
        owner = 0L;
        int atomic = atomicUnlocks;
        if (atomic == 0) {
            if (state == 1L) {
                STATE.setRelease(this, 0L);
                return;
            }
        } else {
            atomicUnlocks = atomic - 1;
        }
        if ((long) STATE.getAndAdd(this, -1L) == 1L) {
            return;
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
