package io.vfio4j.system;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/** jqwik hooks: run a property only in long runs, or only in short ones. */
final class LongRunsOnly implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        return Sys.LONG
                ? SkipResult.doNotSkip()
                : SkipResult.skip("long run: enable with -Dvfio4j.long=true");
    }

    /** The complement: the short variant is skipped in long runs. */
    static final class ShortRunsOnly implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            return Sys.LONG
                    ? SkipResult.skip("short variant; the long one runs instead")
                    : SkipResult.doNotSkip();
        }
    }
}
