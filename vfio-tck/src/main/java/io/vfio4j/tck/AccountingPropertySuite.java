package io.vfio4j.tck;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Stateful properties: random sequences of map, unmap, pin, unpin and group attach/detach are run
 * against the backend and against a reference model of the accounting (docs/reference/type1-mdev.md
 * §4.3: locked_vm = sum over mappings of (an IOMMU domain exists ? its pages : its distinct pinned
 * pages)). After every step the outcome (success or the exact errno), locked_vm and the backend's
 * state must match the model, and the runtime's invariant checker runs. A failure is shrunk to a
 * minimal sequence.
 */
public interface AccountingPropertySuite extends BackendUnderTest {
    @Property(tries = 50, shrinking = ShrinkingMode.FULL)
    default void accountingFollowsTheReferenceModel(
            @ForAll(supplier = TckOps.Short.class) List<TckOp> operations) {
        AccountingRun.run(backend(), operations);
    }

    @Property(tries = 1000, shrinking = ShrinkingMode.FULL)
    @AddLifecycleHook(LongRunsOnly.class)
    default void accountingFollowsTheReferenceModelInLongRuns(
            @ForAll(supplier = TckOps.Long.class) List<TckOp> operations) {
        AccountingRun.run(backend(), operations);
    }
}
