package io.vfio4j.oracle;

import java.util.List;
import java.util.Optional;

/**
 * What one guest boot reported on its result channel.
 *
 * @param kernelRelease {@code uname -r} in the guest, empty if the guest never said
 * @param group the IOMMU group the e1000e was in
 * @param scenarios each scenario's answers, in order
 * @param complete whether the probe reached its end ({@code DONE})
 * @param problems lines that show something went wrong (a failed setup, an unreadable line)
 */
public record GuestOutput(
        String kernelRelease,
        Optional<Integer> group,
        List<ScenarioResults> scenarios,
        boolean complete,
        List<String> problems) {
    public GuestOutput {
        scenarios = List.copyOf(scenarios);
        problems = List.copyOf(problems);
    }

    public Optional<ScenarioResults> scenario(String name) {
        return scenarios.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
