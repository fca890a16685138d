package io.vfio4j.host;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A non-reentrant lock whose state word has a cache line to itself, whatever objects the garbage
 * collector places around it (64 bytes of padding on both sides, as {@link PaddedCounter}). A
 * monitor ({@code synchronized}) writes the object's header, which shares a line with whatever
 * object precedes it in memory: with two VMs pinning on two threads, a copying collection put one
 * VM's frame bank header next to the other VM's data, and two threads gave 1.2 times the pin rate
 * of one; without the monitor, 1.8 (issue 17).
 *
 * <p>Uncontended, {@link #lock} is one compare-and-set and {@link #unlock} a release store: no
 * atomic instruction or fence, which on x86 cost tens of cycles each, and one pin+unpin of a page
 * takes this lock twice (issue 17: random single-page pin+unpin went from 10.4 to 11.6 M pages/s).
 * Waiters pay for it, and only under contention. A waiter spins briefly, then parks. An unlock
 * wakes a parked waiter. But the unlocking thread's read of the waiter count may be done before its
 * store to the state is visible to other cores. So it can miss a waiter that registered at that
 * very moment. That is why a waiter never parks longer than {@link #PARK_NANOS} before it tries
 * again. Mutual exclusion rests on the compare-and-set alone. Barging, like a non-fair {@code
 * ReentrantLock}. Interrupts are kept for the caller, not thrown.
 *
 * <p>Not re-entrant: a thread locking it again fails with {@link IllegalStateException} instead of
 * waiting for itself forever.
 */
final class IsolatedMutex extends CacheLinePadding.LeadingLock {
    @SuppressWarnings("unused")
    private long q0, q1, q2, q3, q4, q5, q6, q7;

    /** The longest a waiter sleeps before trying again, if the unlock missed it (see above). */
    static final long PARK_NANOS = 100_000;

    /** Tries before a waiter parks: the holders' critical sections are short. */
    private static final int SPINS = 64;

    private static final VarHandle STATE;
    private static final VarHandle WAITING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(CacheLinePadding.LeadingLock.class, "state", long.class);
            WAITING = l.findVarHandle(CacheLinePadding.LeadingLock.class, "waiting", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The parked waiters, oldest first; touched only under contention. */
    private final ConcurrentLinkedQueue<Thread> parked = new ConcurrentLinkedQueue<>();

    void lock() {
        if (!STATE.compareAndSet(this, 0L, 1L)) {
            lockContended();
        }
        owner = Thread.currentThread().getId();
    }

    private boolean tryAcquire() {
        return state == 0L && STATE.compareAndSet(this, 0L, 1L);
    }

    private void lockContended() {
        Thread me = Thread.currentThread();
        if (owner == me.getId()) {
            throw new IllegalStateException("the lock is not re-entrant and this thread holds it");
        }
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            if (tryAcquire()) {
                return;
            }
        }
        parked.add(me);
        WAITING.getAndAdd(this, 1);
        boolean interrupted = false;
        try {
            while (!tryAcquire()) {
                LockSupport.parkNanos(this, PARK_NANOS);
                // An interrupt would make every later park return at once: clear it, keep it.
                interrupted |= Thread.interrupted();
            }
        } finally {
            WAITING.getAndAdd(this, -1);
            parked.remove(me);
        }
        if (interrupted) {
            me.interrupt();
        }
    }

    void unlock() {
        if (state != 1L || owner != Thread.currentThread().getId()) {
            throw new IllegalMonitorStateException("unlock of a mutex this thread does not hold");
        }
        owner = 0L;
        STATE.setRelease(this, 0L);
        if (waiting != 0) {
            Thread next = parked.peek();
            if (next != null) {
                LockSupport.unpark(next);
            }
        }
    }

    /** True while some thread holds the lock (for tests and assertions). */
    boolean isLocked() {
        return state != 0L;
    }
}
