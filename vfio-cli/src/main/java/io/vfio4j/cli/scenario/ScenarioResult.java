package io.vfio4j.cli.scenario;

import java.util.List;
import java.util.Map;

/**
 * How a scenario run went, with its closing summary.
 *
 * @param setupError why the scenario could not start (e.g. a configuration error), or null
 * @param leaks vendor-driver leaks reported, one line each
 * @param warnings kernel WARNs the model hit
 * @param millis wall time
 */
public record ScenarioResult(
        Scenario scenario,
        String setupError,
        List<StepResult> steps,
        List<ProcessSummary> processes,
        List<ContainerSummary> containers,
        List<String> leaks,
        List<String> warnings,
        long pageSize,
        long millis) {
    public ScenarioResult {
        steps = List.copyOf(steps);
        processes = List.copyOf(processes);
        containers = List.copyOf(containers);
        leaks = List.copyOf(leaks);
        warnings = List.copyOf(warnings);
    }

    public boolean passed() {
        return setupError == null
                && steps.stream().noneMatch(s -> s.status() == StepResult.Status.FAILED);
    }

    /**
     * Whether the counters iommufd charges next to locked_vm are shown: some step left a process's
     * pinned_vm or its user's locked_vm non-zero, or an iommufd container exists. A type1-only run
     * keeps its output as it was.
     */
    public boolean showsIommufdCounters() {
        for (StepResult s : steps) {
            if (s.pinnedVm().values().stream().anyMatch(v -> v != 0)
                    || s.userLockedVm().values().stream().anyMatch(v -> v != 0)
                    || s.containers().values().stream()
                            .anyMatch(c -> c.backend().equals(IOMMUFD))) {
                return true;
            }
        }
        return containers.stream().anyMatch(c -> c.backend().equals(IOMMUFD));
    }

    private static final String IOMMUFD = "iommufd";

    public long count(StepResult.Status status) {
        return steps.stream().filter(s -> s.status() == status).count();
    }

    /**
     * A process at the end.
     *
     * @param memlockBytes RLIMIT_MEMLOCK at the end ({@code Long.MAX_VALUE}: unlimited)
     * @param state alive, exited
     * @param finalPinnedVm pinned_vm (VmPin) at the end, in pages
     * @param finalUserLockedVm the locked_vm of the process's user at the end, in pages
     */
    public record ProcessSummary(
            String name,
            int pid,
            long memlockBytes,
            boolean capIpcLock,
            long peakLockedVm,
            long finalLockedVm,
            String state,
            long finalPinnedVm,
            long finalUserLockedVm) {}

    /**
     * A container at the end.
     *
     * @param backend the name of the backend that served the container (it may have been released
     *     since, when the last group left), "-" if no IOMMU was ever set
     * @param backendOrigin where the backend came from: "class path: backend-type1-0.1.0.jar" or a
     *     plugin jar path; "-" if no IOMMU was set
     */
    public record ContainerSummary(
            String name,
            String backend,
            String backendOrigin,
            String type,
            long mappings,
            long mappedBytes,
            long dmaAvail,
            long pins,
            long peakPins,
            long pinReferences,
            Map<String, Long> details) {
        public ContainerSummary {
            details = Map.copyOf(details);
        }
    }
}
