package io.vfio4j.type1;

import io.vfio4j.api.command.GetInfo;
import java.util.ArrayList;
import java.util.List;

/** VFIO_IOMMU_GET_INFO (docs/reference/type1-mdev.md §2.6): page sizes and the capability chain. */
final class InfoBuilder {
    /** sizeof(struct vfio_iommu_type1_info): argsz, flags, iova_pgsizes, cap_offset, pad. */
    static final int INFO_SIZE = 24;

    private InfoBuilder() {}

    static GetInfo.Info build(Type1State st, int argsz) {
        List<GetInfo.Capability> caps = new ArrayList<>();
        // Unused fields are zero (cd24e2a60af6): flags 0.
        caps.add(new GetInfo.MigrationCap(0, st.minPageSize(), DirtyTracker.DIRTY_BITMAP_SIZE_MAX));
        caps.add(new GetInfo.DmaAvailCap(st.dmaAvail));
        if (!st.iovaList.isEmpty()) {
            caps.add(new GetInfo.IovaRangeCap(st.iovaList.ranges()));
        }
        int capsSize = 0;
        for (GetInfo.Capability c : caps) {
            capsSize += st.era.alignsCapabilities() ? c.size() : packedSize(c);
        }
        int flags = GetInfo.FLAG_PGSIZES | GetInfo.FLAG_CAPS;
        int needed = INFO_SIZE + capsSize;
        if (Integer.compareUnsigned(argsz, needed) < 0) {
            // Too small for the chain: only argsz is raised; success.
            return new GetInfo.Info(needed, flags, st.domains.pgsizeBitmap(), List.of(), false);
        }
        return new GetInfo.Info(argsz, flags, st.domains.pgsizeBitmap(), caps, true);
    }

    /**
     * A capability's size before 6.6 aligned the chain: DMA_AVAIL is its header (8) and a u32 (12);
     * the others are multiples of 8 already.
     */
    private static int packedSize(GetInfo.Capability c) {
        return c instanceof GetInfo.DmaAvailCap ? 12 : c.size();
    }
}
