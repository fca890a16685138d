package io.vfio4j.cli.scenario;

import java.util.List;
import java.util.Map;

/**
 * How one step went.
 *
 * @param status passed, failed or skipped
 * @param outcome what happened: {@code ok}, an errno name, {@code kernel BUG}, {@code error}
 * @param message the errno's or error's message, empty on success
 * @param failures what did not match the step's expectations
 * @param results the step's named results
 * @param lockedVm locked_vm per process after the step, in pages
 * @param containers each container's state after the step
 * @param pinnedVm pinned_vm (VmPin) per process after the step, in pages
 * @param userLockedVm the locked_vm of each process's user after the step, in pages (shared by the
 *     processes of one uid; iommufd charges it with per-user accounting)
 */
public record StepResult(
        Step step,
        Status status,
        String outcome,
        String message,
        List<String> failures,
        Map<String, Object> results,
        Map<String, Long> lockedVm,
        Map<String, ContainerSnapshot> containers,
        Map<String, Long> pinnedVm,
        Map<String, Long> userLockedVm) {
    /** The outcome of a step refused for a configuration error (the command exits 3). */
    public static final String CONFIGURATION_ERROR = "configuration error";

    public StepResult {
        failures = List.copyOf(failures);
        results = Map.copyOf(results);
        lockedVm = Map.copyOf(lockedVm);
        containers = Map.copyOf(containers);
        pinnedVm = Map.copyOf(pinnedVm);
        userLockedVm = Map.copyOf(userLockedVm);
    }

    /** How a step ended against its expectation. */
    public enum Status {
        PASSED,
        FAILED,
        SKIPPED
    }

    /**
     * A container's state after a step.
     *
     * @param set whether SET_IOMMU succeeded (the other fields are 0 before)
     */
    /**
     * A container after a step.
     *
     * @param backend the name of the backend serving it, or "-" before SET_IOMMU
     */
    public record ContainerSnapshot(
            boolean set,
            long mappings,
            long mappedBytes,
            long dmaAvail,
            long pins,
            long pinRefs,
            String backend) {}
}
