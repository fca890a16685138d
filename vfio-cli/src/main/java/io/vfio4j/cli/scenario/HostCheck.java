package io.vfio4j.cli.scenario;

import io.vfio4j.host.Platform;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.List;
import java.util.Optional;

/**
 * Builds the simulated host while the file is read, group by group and region by region, so that
 * what the host refuses (a region it cannot place, a group spec it rejects) is reported at the line
 * that declares it, before anything runs. The host is simulated, not materialized: building it
 * costs memory in proportion to the declarations, not to the sizes.
 */
final class HostCheck {
    private SimHost host;
    private Model.HostDef shape;

    void start(Platform platform, long pageSize, boolean eeh) {
        shape = new Model.HostDef(platform, pageSize, eeh, List.of(), List.of());
        try {
            host = ScenarioRun.emptyHost(shape);
        } catch (IllegalArgumentException | IllegalStateException e) {
            host = null;
        }
    }

    void group(YNode n, Model.GroupDef def) {
        if (host == null) {
            return;
        }
        try {
            host.addIommuGroup(ScenarioRun.groupSpec(shape, def));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw n.error("%s: the host refuses this IOMMU group: %s", n.what(), e.getMessage());
        }
    }

    void process(
            YNode n,
            long memlock,
            Optional<List<YNode>> regionNodes,
            List<Model.RegionDef> regions) {
        if (host == null) {
            return;
        }
        SimProcess p;
        try {
            p =
                    host.spawnProcess(
                            ProcessSpec.builder().name("check").memlockLimitBytes(memlock).build());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw n.error("%s: the host refuses this process: %s", n.what(), e.getMessage());
        }
        List<YNode> nodes = regionNodes.orElse(List.of());
        for (int i = 0; i < regions.size(); i++) {
            RegionSpec spec = ScenarioRun.regionSpec(regions.get(i));
            if (spec == null) {
                continue;
            }
            try {
                p.mmap(spec);
            } catch (IllegalArgumentException | IllegalStateException e) {
                YNode at = i < nodes.size() ? nodes.get(i) : n;
                throw at.error(
                        "%s: the host cannot map this region: %s", at.what(), e.getMessage());
            }
        }
    }
}
