package io.vfio4j.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class IsolatedMutexTest {
    private final IsolatedMutex mutex = new IsolatedMutex();

    @Test
    void excludesOtherThreads() throws InterruptedException {
        // A plain long incremented under the lock by 4 threads: a lost update means the lock let
        // two threads in at once.
        // Four times as many threads as this machine's two cores: waiters reach the waiting path.
        long[] counter = new long[1];
        int threads = 8;
        int rounds = 100_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            pool.execute(
                    () -> {
                        for (int i = 0; i < rounds; i++) {
                            mutex.lock();
                            try {
                                counter[0]++;
                            } finally {
                                mutex.unlock();
                            }
                        }
                    });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

        assertThat(counter[0]).isEqualTo((long) threads * rounds);
        assertThat(mutex.isLocked()).isFalse();
    }

    @Test
    void aWaiterBlocksUntilTheHolderUnlocksAndKeepsItsInterrupt() throws Exception {
        mutex.lock();
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean acquired = new AtomicBoolean();
        AtomicBoolean interruptKept = new AtomicBoolean();
        Thread waiter =
                new Thread(
                        () -> {
                            started.countDown();
                            mutex.lock();
                            acquired.set(true);
                            interruptKept.set(Thread.currentThread().isInterrupted());
                            mutex.unlock();
                        });
        waiter.start();
        started.await();
        waiter.interrupt();
        waiter.join(200);
        assertThat(waiter.isAlive()).isTrue();
        assertThat(acquired).isFalse();

        mutex.unlock();
        waiter.join(10_000);

        assertThat(waiter.isAlive()).isFalse();
        assertThat(acquired).isTrue();
        assertThat(interruptKept).isTrue();
        assertThat(mutex.isLocked()).isFalse();
    }

    @Test
    void aWaiterWhoseWakeUpWasMissedTakesTheLockAfterItsWaitTimesOut() throws Exception {
        mutex.lock();
        CountDownLatch acquired = new CountDownLatch(1);
        Thread waiter = new Thread(() -> lockOnceAndSignal(acquired));
        waiter.start();
        awaitWaiterMarked();

        // Free the lock as a release-store unlock that missed the waiter does: no wake-up at all.
        mutex.owner = 0L;
        mutex.state = 0L;

        assertThat(acquired.await(10, TimeUnit.SECONDS)).isTrue();
        waiter.join(10_000);
        assertThat(mutex.isLocked()).isFalse();
    }

    @Test
    void afterAThreadHadToWaitTheNextUnlocksAreAtomicThenFastAgain() throws Exception {
        // Uncontended: the release-store path, nothing counted.
        mutex.lock();
        mutex.unlock();
        assertThat(mutex.atomicUnlocks).isZero();

        mutex.lock();
        CountDownLatch acquired = new CountDownLatch(1);
        Thread waiter = new Thread(() -> lockOnceAndSignal(acquired));
        waiter.start();
        awaitWaiterMarked();
        mutex.unlock();
        assertThat(acquired.await(10, TimeUnit.SECONDS)).isTrue();
        waiter.join(10_000);

        // The waiter took the lock, opened the window and spent one unlock of it.
        assertThat(mutex.atomicUnlocks).isEqualTo(IsolatedMutex.CONTENDED_WINDOW - 1);
        for (int i = 1; i < IsolatedMutex.CONTENDED_WINDOW; i++) {
            mutex.lock();
            mutex.unlock();
        }
        assertThat(mutex.atomicUnlocks).isZero();
        assertThat(mutex.isLocked()).isFalse();
    }

    private void lockOnceAndSignal(CountDownLatch acquired) {
        mutex.lock();
        acquired.countDown();
        mutex.unlock();
    }

    /** Until the other thread has marked the held lock waited for (state 2). */
    private void awaitWaiterMarked() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (mutex.state != 2L && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(mutex.state).isEqualTo(2L);
    }

    @Test
    void lockingItAgainOnTheHoldingThreadFailsInsteadOfHanging() {
        mutex.lock();
        assertThatThrownBy(mutex::lock)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not re-entrant");
        assertThat(mutex.isLocked()).isTrue();
        mutex.unlock();
        assertThat(mutex.isLocked()).isFalse();
        mutex.lock();
        mutex.unlock();
    }

    @Test
    void unlockingAMutexAnotherThreadHoldsFailsAndLeavesItHeld() throws Exception {
        mutex.lock();
        Throwable[] thrown = new Throwable[1];
        Thread other =
                new Thread(
                        () -> {
                            try {
                                mutex.unlock();
                            } catch (Throwable t) {
                                thrown[0] = t;
                            }
                        });
        other.start();
        other.join(10_000);

        assertThat(thrown[0]).isInstanceOf(IllegalMonitorStateException.class);
        assertThat(mutex.isLocked()).isTrue();
        mutex.unlock();
        assertThat(mutex.isLocked()).isFalse();
    }

    @Test
    void unlockingAFreeMutexFailsAndLeavesItFree() {
        assertThatThrownBy(mutex::unlock).isInstanceOf(IllegalMonitorStateException.class);
        assertThat(mutex.isLocked()).isFalse();
        mutex.lock();
        assertThat(mutex.isLocked()).isTrue();
        mutex.unlock();
        assertThat(mutex.isLocked()).isFalse();
    }
}
