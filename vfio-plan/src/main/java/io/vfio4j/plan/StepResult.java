package io.vfio4j.plan;

import java.util.List;
import java.util.Optional;

/**
 * The start of a domain or one lifecycle step: what libvirt sets and what the kernel charges.
 *
 * @param libvirt libvirt's computed limit for the definition after the step
 * @param limitBytes the RLIMIT_MEMLOCK in force during the step (libvirt's rules applied: raised
 *     before a hotplug, never lowered while needed, the inherited limit when libvirt sets none)
 * @param lockedVmBytes the peak {@code locked_vm} during the step
 * @param pinnedVmBytes the peak {@code pinned_vm} during the step
 * @param failure the first call the kernel refuses under {@code limitBytes}, if any
 */
public record StepResult(
        String label,
        LibvirtLimit libvirt,
        long limitBytes,
        long lockedVmBytes,
        long pinnedVmBytes,
        List<ContainerCharge> containers,
        Verdict verdict,
        Optional<Failure> failure) {
    public StepResult {
        containers = List.copyOf(containers);
    }

    /** Both counters are checked against RLIMIT_MEMLOCK on their own: the larger decides. */
    public long needBytes() {
        return Math.max(lockedVmBytes, pinnedVmBytes);
    }
}
