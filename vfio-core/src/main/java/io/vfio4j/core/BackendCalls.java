package io.vfio4j.core;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.VfioCommand;
import java.util.Locale;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs calls into a backend with the thread context class loader set to the backend's own loader,
 * and restores it after: libraries inside a plugin that use the context loader then find their own
 * classes, not the core's.
 *
 * <p>{@link #guarded} also contains a backend's failures: anything it throws other than its
 * documented {@link VfioException} (or a {@link VfioConfigurationException} from {@code open})
 * fails that one call with {@link Errno#EIO} and a message naming the backend and its jar. The
 * stack trace goes to the debug log only.
 */
final class BackendCalls {
    private static final Logger LOG = LoggerFactory.getLogger(BackendCalls.class);

    private BackendCalls() {}

    static <T> T call(ClassLoader loader, Supplier<T> call) {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        if (previous == loader) {
            return call.get();
        }
        t.setContextClassLoader(loader);
        try {
            return call.get();
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    static void run(ClassLoader loader, Runnable call) {
        call(
                loader,
                () -> {
                    call.run();
                    return null;
                });
    }

    /**
     * Calls backend {@code b}; a failure other than a {@link VfioException} becomes EIO.
     *
     * @param what the call, for the message: {@code "state"}
     */
    static <T> T guarded(DiscoveredBackend b, String what, Supplier<T> call) {
        return guarded(b, what, null, call);
    }

    /**
     * As {@link #guarded(DiscoveredBackend, String, Supplier)}; the message names the call as
     * {@code what(arg)}, built only on failure so that hot paths (every ioctl) pay nothing.
     *
     * @param arg a {@link VfioCommand} (named by its ioctl) or any value; null for none
     */
    static <T> T guarded(DiscoveredBackend b, String what, Object arg, Supplier<T> call) {
        try {
            return call(b.loader(), call);
        } catch (VfioException | VfioConfigurationException e) {
            // The backend's documented answers (and open's refusal of a malformed setting).
            throw e;
        } catch (RuntimeException | LinkageError e) {
            throw failure(b, describe(what, arg), e);
        }
    }

    static String describe(String what, Object arg) {
        if (arg == null) {
            return what;
        }
        return what + "(" + (arg instanceof VfioCommand<?> c ? c.ioctlName() : arg) + ")";
    }

    static void guardedRun(DiscoveredBackend b, String what, Runnable call) {
        guarded(
                b,
                what,
                () -> {
                    call.run();
                    return null;
                });
    }

    /**
     * Calls a backend method that must never fail (detach, release): a failure is logged as a
     * kernel WARN and swallowed, so the caller's clean-up goes on.
     *
     * @return the failure's message, or null if the call succeeded
     */
    static String tolerant(DiscoveredBackend b, String what, Runnable call) {
        try {
            run(b.loader(), call);
            return null;
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("backend {} failed in {}", b.describeOrigin(), what, e);
            return message(b, what, e);
        }
    }

    static BackendFailure failure(DiscoveredBackend b, String what, Throwable e) {
        String message = message(b, what, e);
        LOG.warn(message);
        LOG.debug("backend {} failed in {}", b.describeOrigin(), what, e);
        return new BackendFailure(message);
    }

    /** EIO for a backend that misbehaved, as opposed to an errno the backend chose to return. */
    static final class BackendFailure extends VfioException {
        private static final long serialVersionUID = 1L;

        /** The message without the errno prefix, for warnings. */
        final String detail;

        BackendFailure(String message) {
            super(Errno.EIO, message);
            this.detail = message;
        }
    }

    static String message(DiscoveredBackend b, String what, Throwable e) {
        return String.format(
                Locale.ROOT,
                "IOMMU backend %s failed in %s: %s",
                b.describeOrigin(),
                what,
                reason(e));
    }

    /** A failure's message without its class name or stack: "no message" if it has none. */
    static String reason(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? "it threw without a message" : m;
    }
}
