package io.vfio4j.tck;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/** Runs a property only with {@code -Dvfio4j.long=true}; reported as skipped otherwise. */
public final class LongRunsOnly implements SkipExecutionHook {
    /** The system property that turns long runs on. */
    public static final String PROPERTY = "vfio4j.long";

    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        return Boolean.parseBoolean(System.getProperty(PROPERTY))
                ? SkipResult.doNotSkip()
                : SkipResult.skip("long runs need -D" + PROPERTY + "=true");
    }
}
