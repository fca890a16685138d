package io.vfio4j.host;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A non-reentrant lock whose state word sits alone in its cache line, whatever objects the garbage
 * collector places around it. A monitor ({@code synchronized}) writes the object's header, which
 * shares a line with whatever object precedes it in memory: with two VMs pinning on two threads, a
 * copying collection put one VM's frame bank header next to the other VM's pin table, and two
 * threads gave 1.2 times the pin rate of one; without the monitor, 1.8 (issue 17). Field layout is
 * the JVM's choice, array layout is not: the state is the middle word of a {@code long[17]}, with
 * 64 bytes of words never written on each side.
 *
 * <p>States: 0 free, 1 held, 2 held and maybe waited for (the classic three-state futex mutex).
 * Uncontended, {@link #lock} is one compare-and-set and {@link #unlock} one atomic add, as a thin
 * monitor. Waiters block on a plain monitor, used only under contention; interrupts are kept for
 * the caller, not thrown. Not re-entrant: a thread locking it again fails with {@link
 * IllegalStateException} instead of waiting for itself forever.
 */
final class IsolatedMutex {
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

    /** The state's index: the 8 words (64 bytes) before it and after the owner stay 0. */
    private static final int STATE = 8;

    /** The holder's thread id, 0 when free; written only by the holder. */
    private static final int OWNER = STATE + 1;

    private final long[] words = new long[OWNER + 1 + STATE];
    private final Object waiters = new Object();

    void lock() {
        if (!WORD.compareAndSet(words, STATE, 0L, 1L)) {
            lockContended();
        }
        words[OWNER] = Thread.currentThread().getId();
    }

    private void lockContended() {
        if (words[OWNER] == Thread.currentThread().getId()) {
            throw new IllegalStateException("the lock is not re-entrant and this thread holds it");
        }
        boolean interrupted = false;
        synchronized (waiters) {
            // Marking the lock 2 before waiting makes its holder's unlock wake someone; the
            // monitor is held from this test to wait(), so that wake-up cannot come in between.
            while ((long) WORD.getAndSet(words, STATE, 2L) != 0L) {
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
        long owner = words[OWNER];
        words[OWNER] = 0L;
        long was = (long) WORD.getAndAdd(words, STATE, -1L);
        if (was == 1L) {
            return;
        }
        if (was != 2L) {
            WORD.getAndAdd(words, STATE, 1L);
            words[OWNER] = owner;
            throw new IllegalMonitorStateException("unlock of a mutex that is not held");
        }
        WORD.setVolatile(words, STATE, 0L);
        synchronized (waiters) {
            waiters.notify();
        }
    }

    /** True while some thread holds the lock (for tests and assertions). */
    boolean isLocked() {
        return (long) WORD.getVolatile(words, STATE) != 0L;
    }
}
