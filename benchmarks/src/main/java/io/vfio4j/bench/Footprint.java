package io.vfio4j.bench;

import io.vfio4j.host.IommuGroupSpec;
import java.util.Locale;
import org.openjdk.jol.info.GraphLayout;

/**
 * Retained heap of a 1 TiB guest (1 GiB pages) mapped with one MAP_DMA on type1, with 10^6 distinct
 * external pins: the whole object graph of the simulated host and of the type1 container (pin
 * tables, mappings, domains), measured with JOL's {@link GraphLayout}. Three states: mapped with no
 * pins; pinned by an mdev with no IOMMU domain; and after a passthrough group joined (replay), so
 * both the IOMMU path and the pins are held.
 *
 * <p>Run: {@code java -Djdk.attach.allowAttachSelf=true -cp benchmarks/target/benchmarks.jar
 * io.vfio4j.bench.Footprint [pins]}
 */
public final class Footprint {
    private Footprint() {}

    public static void main(String[] args) {
        int pins = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Type1Rig rig =
                new Type1Rig(
                        Type1Rig.x86Host(), 1, false, true, Type1Rig.Backing.HUGE_1G, Sizes.TIB);
        rig.map();
        report("1 TiB guest mapped, no pins, no domain", rig);
        ReplayBenchmark.pinSpread(rig, pins);
        report("1 TiB guest mapped, " + pins + " external pins, no domain", rig);
        rig.ops.attachGroup(Handles.Group.iommu(rig.host.addIommuGroup(IommuGroupSpec.of(2))));
        report("1 TiB guest mapped, " + pins + " external pins, one IOMMU domain", rig);
    }

    private static void report(String what, Type1Rig rig) {
        GraphLayout all = GraphLayout.parseInstance(rig.host, rig.ops);
        GraphLayout host = GraphLayout.parseInstance(rig.host.memory());
        System.out.printf(
                Locale.ROOT,
                "%-62s total %8.2f MiB (host physical memory %7.2f MiB), %,d objects%n",
                what,
                all.totalSize() / (1024.0 * 1024.0),
                host.totalSize() / (1024.0 * 1024.0),
                all.totalCount());
    }
}
