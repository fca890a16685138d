package io.vfio4j.api;

import java.util.Optional;

/**
 * The IOMMU types userspace asks for with {@code VFIO_SET_IOMMU}, with their uAPI numbers
 * (include/uapi/linux/vfio.h). The same numbers are VFIO extensions for {@code
 * VFIO_CHECK_EXTENSION}.
 */
public enum IommuType {
    TYPE1(1),
    SPAPR_TCE(2),
    TYPE1v2(3),
    SPAPR_TCE_v2(7),
    NOIOMMU(8);

    private final int id;

    IommuType(int id) {
        this.id = id;
    }

    /** The uAPI number, e.g. 3 for {@code VFIO_TYPE1v2_IOMMU}. */
    public int id() {
        return id;
    }

    /** The type with this uAPI number, if vfio4j models it. */
    public static Optional<IommuType> ofId(long id) {
        for (IommuType t : values()) {
            if (t.id == id) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
