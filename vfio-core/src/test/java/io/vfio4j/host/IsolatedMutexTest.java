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
        long[] counter = new long[1];
        int threads = 4;
        int rounds = 200_000;
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
    void unlockingAFreeMutexFailsAndLeavesItFree() {
        assertThatThrownBy(mutex::unlock).isInstanceOf(IllegalMonitorStateException.class);
        assertThat(mutex.isLocked()).isFalse();
        mutex.lock();
        assertThat(mutex.isLocked()).isTrue();
        mutex.unlock();
        assertThat(mutex.isLocked()).isFalse();
    }
}
