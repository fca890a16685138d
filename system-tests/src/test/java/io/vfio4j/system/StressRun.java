package io.vfio4j.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.VfioException;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The workers of a concurrency stress test: each repeats its body until the run stops; a call the
 * model refuses ({@link VfioException}) counts as a refusal, anything else a worker throws fails
 * the run.
 */
final class StressRun {
    private final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong operations = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();

    /** One operation: racing requests may be refused, never anything else. */
    void op(Runnable r) {
        operations.incrementAndGet();
        try {
            r.run();
        } catch (VfioException e) {
            refusals.incrementAndGet();
        }
    }

    /** A daemon thread repeating {@code body} until the run stops or a worker fails. */
    Thread worker(String name, Runnable body) {
        Thread t =
                new Thread(
                        () -> {
                            try {
                                while (!stop.get()) {
                                    body.run();
                                }
                            } catch (Throwable e) {
                                failures.add(e);
                                stop.set(true);
                            }
                        },
                        name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Starts {@code threads}, lets them run for {@code millis}, stops them and asserts that each
     * stopped within 30 s (else a deadlock, with a thread dump) and that no worker failed.
     *
     * @return the seconds from the start to the last join
     */
    double run(List<Thread> threads, long millis) throws InterruptedException {
        long start = System.nanoTime();
        threads.forEach(Thread::start);
        Thread.sleep(millis);
        stop.set(true);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(t.isAlive())
                    .as(
                            "%s did not stop within 30 s: deadlock?%n%s",
                            t.getName(), ConcurrencyStressTest.threadDump())
                    .isFalse();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(failures).as("errors other than a refusal").isEmpty();
        return seconds;
    }

    long operations() {
        return operations.get();
    }

    long refusals() {
        return refusals.get();
    }
}
