package io.vfio4j.core;

import java.util.function.Supplier;

/**
 * Runs calls into a backend with the thread context class loader set to the backend's own loader,
 * and restores it after: libraries inside a plugin that use the context loader then find their own
 * classes, not the core's.
 */
final class BackendCalls {
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
}
