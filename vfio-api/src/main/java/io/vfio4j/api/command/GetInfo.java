package io.vfio4j.api.command;

import io.vfio4j.api.host.IovaRange;
import java.util.List;

/** {@code VFIO_IOMMU_GET_INFO} ({@code struct vfio_iommu_type1_info}) with its capability chain. */
public record GetInfo(int argsz) implements VfioCommand<GetInfo.Info> {
    public static final int FLAG_PGSIZES = 1;
    public static final int FLAG_CAPS = 1 << 1;

    /** {@code struct vfio_iommu_type1_info} without capabilities. */
    public static final int MIN_ARGSZ = 16;

    /**
     * @param argsz the size the full answer needs; when the caller's {@code argsz} was smaller,
     *     only this is meaningful (the kernel raises argsz and returns success)
     * @param complete false if the caller's buffer was too small for the capability chain
     */
    public record Info(
            int argsz, int flags, long pageSizes, List<Capability> capabilities, boolean complete) {
        public Info {
            capabilities = List.copyOf(capabilities);
        }
    }

    /** One entry of the capability chain. */
    public sealed interface Capability permits MigrationCap, DmaAvailCap, IovaRangeCap {
        int id();

        /** Bytes the entry takes in the chain. */
        int size();
    }

    /** {@code VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION} (id 2). */
    public record MigrationCap(int flags, long pageSizeBitmap, long maxDirtyBitmapSize)
            implements Capability {
        @Override
        public int id() {
            return 2;
        }

        @Override
        public int size() {
            return 32;
        }
    }

    /** {@code VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL} (id 3). */
    public record DmaAvailCap(long avail) implements Capability {
        @Override
        public int id() {
            return 3;
        }

        @Override
        public int size() {
            return 16;
        }
    }

    /** {@code VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE} (id 1). */
    public record IovaRangeCap(List<IovaRange> ranges) implements Capability {
        public IovaRangeCap {
            ranges = List.copyOf(ranges);
        }

        @Override
        public int id() {
            return 1;
        }

        @Override
        public int size() {
            return 16 + 16 * ranges.size();
        }
    }

    public static GetInfo full() {
        return new GetInfo(4096);
    }

    @Override
    public String ioctlName() {
        return "VFIO_IOMMU_GET_INFO";
    }
}
