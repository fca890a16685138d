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
        // Four times as many threads as this machine's two cores: waiters reach the parking path.
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
        assertThat(mutex.waiting).as("parked waiters left registered").isZero();
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
    void aWaiterWhoseWakeUpWasMissedTakesTheLockAfterItsParkTimesOut() throws Exception {
        mutex.lock();
        CountDownLatch acquired = new CountDownLatch(1);
        Thread waiter =
                new Thread(
                        () -> {
                            mutex.lock();
                            acquired.countDown();
                            mutex.unlock();
                        });
        waiter.start();
        // Wait until it has given up spinning and parked.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (mutex.waiting == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(mutex.waiting).isEqualTo(1);

        // Free the lock as an unlock that missed the waiter would: no wake-up at all.
        mutex.owner = 0L;
        mutex.state = 0L;

        assertThat(acquired.await(10, TimeUnit.SECONDS)).isTrue();
        waiter.join(10_000);
        assertThat(mutex.isLocked()).isFalse();
        assertThat(mutex.waiting).isZero();
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
