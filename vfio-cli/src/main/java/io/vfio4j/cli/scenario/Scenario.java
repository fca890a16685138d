package io.vfio4j.cli.scenario;

import java.util.List;
import java.util.Map;

/**
 * A parsed scenario file: the simulated host, the processes with their memory, the containers, and
 * the steps to run with what each expects.
 *
 * @param name short name, e.g. {@code type1-1-passthrough}
 * @param title one line saying what it shows
 * @param description longer text, may be empty
 * @param reference where the expected numbers come from, may be empty
 * @param source the file or resource it was read from
 * @param config extra {@code vfio4j.*} settings for this scenario's runtime
 */
public record Scenario(
        String name,
        String title,
        String description,
        String reference,
        String source,
        Map<String, String> config,
        Model.HostDef host,
        List<Model.ProcessDef> processes,
        List<Model.ContainerDef> containers,
        List<Step> steps) {
    public Scenario {
        config = Map.copyOf(config);
        processes = List.copyOf(processes);
        containers = List.copyOf(containers);
        steps = List.copyOf(steps);
    }
}
