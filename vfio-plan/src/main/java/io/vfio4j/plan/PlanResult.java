package io.vfio4j.plan;

import java.util.List;

/**
 * A domain's plan: every step, the peaks over all of them and the verdict.
 *
 * @param pageSize the simulated host's page size (4 KiB, 64 KiB on POWER)
 * @param notModelled what lies outside the model (the verdict is then NOT_MODELLED)
 */
public record PlanResult(
        DomainSpec domain,
        LibvirtEra era,
        long mdevWorkingSetBytes,
        long inheritedLimitBytes,
        long pageSize,
        List<StepResult> steps,
        Verdict verdict,
        List<String> notModelled) {
    public PlanResult {
        steps = List.copyOf(steps);
        notModelled = List.copyOf(notModelled);
    }

    public long peakLockedVmBytes() {
        return steps.stream().mapToLong(StepResult::lockedVmBytes).max().orElse(0);
    }

    public long peakPinnedVmBytes() {
        return steps.stream().mapToLong(StepResult::pinnedVmBytes).max().orElse(0);
    }

    /** The smallest RLIMIT_MEMLOCK under which no step fails. */
    public long minMemlockBytes() {
        return Math.max(peakLockedVmBytes(), peakPinnedVmBytes());
    }

    /** The first step that fails under libvirt's limit, if any. */
    public java.util.Optional<StepResult> firstFailing() {
        return steps.stream().filter(s -> s.verdict() == Verdict.TOO_LOW).findFirst();
    }
}
