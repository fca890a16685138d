package io.vfio4j.core;

import io.vfio4j.api.VfioConfigurationException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one source's discovery (provider constructors and description calls, i.e. plugin code) on a
 * daemon thread and waits a bounded time for it. A provider that blocks is refused with a {@link
 * VfioConfigurationException} naming what the source was loading; the blocked thread is a daemon,
 * so it never keeps the JVM alive.
 */
final class DiscoveryWatchdog {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private DiscoveryWatchdog() {}

    static List<DiscoveredBackend> discover(BackendSource source, Duration timeout) {
        FutureTask<List<DiscoveredBackend>> task = new FutureTask<>(source::discover);
        Thread worker = new Thread(task, "vfio4j-discovery-" + THREADS.incrementAndGet());
        worker.setDaemon(true);
        worker.setContextClassLoader(Thread.currentThread().getContextClassLoader());
        worker.start();
        try {
            return task.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // Read the stage before the interrupt: a plugin that gives up when interrupted lets
            // discovery move on, and the message would name the next stage instead.
            String stage = source.inProgress();
            task.cancel(true);
            throw new VfioConfigurationException(
                    String.format(
                            Locale.ROOT,
                            "IOMMU backend discovery did not finish within %d ms (%s): %s is"
                                    + " blocked; refused",
                            timeout.toMillis(),
                            VfioConfiguration.DISCOVERY_TIMEOUT,
                            stage));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            String stage = source.inProgress();
            task.cancel(true);
            throw new VfioConfigurationException(
                    "Interrupted while discovering IOMMU backends in " + stage);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof VfioConfigurationException vce) {
                throw new VfioConfigurationException(vce.getMessage(), vce);
            }
            if (cause instanceof Error err
                    && !(err instanceof LinkageError || err instanceof ServiceConfigurationError)) {
                throw err;
            }
            throw new VfioConfigurationException(
                    "IOMMU backend discovery failed in "
                            + source.inProgress()
                            + ": "
                            + BackendCalls.reason(cause),
                    cause);
        }
    }
}
