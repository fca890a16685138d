package io.vfio4j.cli.scenario;

import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.ReservedRegion;
import io.vfio4j.host.Platform;
import io.vfio4j.mdev.VendorBehaviour;
import java.util.List;
import java.util.Optional;

/** The declarative parts of a scenario: host, processes, containers. */
public final class Model {
    private Model() {}

    /** The simulated host. */
    public record HostDef(
            Platform platform,
            long pageSize,
            boolean eeh,
            List<GroupDef> groups,
            List<MdevParentDef> mdevParents) {
        public HostDef {
            groups = List.copyOf(groups);
            mdevParents = List.copyOf(mdevParents);
        }
    }

    /** An IOMMU group; empty optionals take the platform's defaults. */
    public record GroupDef(
            int id,
            List<String> devices,
            long pageSizeBitmap,
            Optional<IovaRange> aperture,
            Optional<List<ReservedRegion>> reserved,
            boolean interruptRemapping,
            String iommuDriver,
            boolean cacheCoherency,
            Optional<TceDef> tce) {
        public GroupDef {
            devices = List.copyOf(devices);
        }
    }

    /** A POWER (PowerNV IODA2) partitionable endpoint: the group's TCE table group. */
    public record TceDef(
            long dma32Start,
            long dma32Size,
            long pageSizeBitmap,
            boolean ddw,
            int levels,
            String platformType,
            boolean windowOps,
            boolean eeh) {}

    /** A parent device that can create mediated devices of some types. */
    public record MdevParentDef(String device, List<MdevTypeDef> types) {
        public MdevParentDef {
            types = List.copyOf(types);
        }
    }

    /**
     * An mdev type with its available instances and how its (scripted) vendor driver behaves (see
     * docs/scenarios.md).
     */
    public record MdevTypeDef(String name, int instances, VendorBehaviour vendor) {}

    /**
     * A process: a VMM such as QEMU, owned by user {@code uid}; {@code capSysResource} lets it set
     * an iommufd context's RLIMIT_MODE (the simulated host grants that capability to nobody).
     */
    public record ProcessDef(
            String name,
            long memlockBytes,
            boolean capIpcLock,
            boolean capSysRawio,
            int uid,
            List<RegionDef> regions,
            boolean capSysResource) {
        public ProcessDef {
            regions = List.copyOf(regions);
        }
    }

    /** The backing of a memory region. */
    public enum Backing {
        ANONYMOUS("anonymous"),
        THP("thp"),
        HUGETLB_2M("hugetlb-2MiB"),
        HUGETLB_16M("hugetlb-16MiB"),
        HUGETLB_1G("hugetlb-1GiB"),
        DEVICE("device"),
        HOLE("hole");

        private final String yaml;

        Backing(String yaml) {
            this.yaml = yaml;
        }

        public String yaml() {
            return yaml;
        }

        static List<String> names() {
            return java.util.Arrays.stream(values()).map(b -> b.yaml).toList();
        }

        static Backing of(String yaml) {
            for (Backing b : values()) {
                if (b.yaml.equals(yaml)) {
                    return b;
                }
            }
            throw new IllegalArgumentException(yaml);
        }
    }

    /** A named range of a process's address space and what backs it ({@code hole}: nothing). */
    public record RegionDef(
            String name, long vaddr, long size, Backing backing, boolean readOnly) {}

    /** A container; {@code iommu} and {@code backend} are the defaults of its set_iommu step. */
    public record ContainerDef(String name, Optional<String> iommu, Optional<String> backend) {}
}
