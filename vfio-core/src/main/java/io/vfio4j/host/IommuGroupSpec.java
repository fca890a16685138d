package io.vfio4j.host;

import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.ReservedRegion;
import io.vfio4j.api.host.TceTableGroup;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The hardware description of an IOMMU group to add to a {@link SimHost}.
 *
 * @param id group number
 * @param devices PCI addresses of its devices
 * @param pageSizeBitmap page sizes its IOMMU maps (bit n = 2^n bytes)
 * @param aperture IOVA window the IOMMU translates
 * @param reservedRegions IOVA ranges unusable for DMA
 * @param interruptRemapping {@code IOMMU_CAP_INTR_REMAP}
 * @param driver the IOMMU driver name; domains only hold groups of their own driver
 * @param enforceCacheCoherency whether the IOMMU can enforce cache coherency
 * @param tceTableGroup POWER TCE platform data, if any
 * @param dirtyTracking whether the IOMMU can track DMA-dirty pages ({@code
 *     IOMMU_CAP_DIRTY_TRACKING})
 */
public record IommuGroupSpec(
        int id,
        List<String> devices,
        long pageSizeBitmap,
        IovaRange aperture,
        List<ReservedRegion> reservedRegions,
        boolean interruptRemapping,
        String driver,
        boolean enforceCacheCoherency,
        Optional<TceTableGroup> tceTableGroup,
        boolean dirtyTracking) {
    /** 4 KiB | 2 MiB | 1 GiB. */
    public static final long DEFAULT_PAGE_SIZE_BITMAP = (1L << 12) | (1L << 21) | (1L << 30);

    /** [0, 2^48 - 1]: a 4-level page table. */
    public static final IovaRange DEFAULT_APERTURE = new IovaRange(0, (1L << 48) - 1);

    /** The x86 MSI window. */
    public static final ReservedRegion X86_MSI =
            new ReservedRegion(new IovaRange(0xFEE00000L, 0xFEEFFFFFL), ReservedRegion.Type.MSI);

    public IommuGroupSpec {
        if (id < 0) {
            throw new IllegalArgumentException("negative group id: " + id);
        }
        devices = List.copyOf(devices);
        if (pageSizeBitmap == 0) {
            throw new IllegalArgumentException("group " + id + " has an empty page size bitmap");
        }
        Objects.requireNonNull(aperture, "aperture");
        reservedRegions = List.copyOf(reservedRegions);
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(tceTableGroup, "tceTableGroup");
    }

    /** A group with the given id and every other setting at its default. */
    public static IommuGroupSpec of(int id) {
        return builder().id(id).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds an {@link IommuGroupSpec}. Defaults: one device {@code 0000:<id>:00.0}, 4K|2M|1G
     * pages, aperture [0, 2^48-1], the x86 MSI window reserved, interrupt remapping, driver
     * "intel-iommu", cache coherency enforced, no TCE table group, no dirty tracking.
     */
    public static final class Builder {
        private Integer id;
        private List<String> devices;
        private long pageSizeBitmap = DEFAULT_PAGE_SIZE_BITMAP;
        private IovaRange aperture = DEFAULT_APERTURE;
        private List<ReservedRegion> reservedRegions = List.of(X86_MSI);
        private boolean interruptRemapping = true;
        private String driver = "intel-iommu";
        private boolean enforceCacheCoherency = true;
        private TceTableGroup tceTableGroup;
        private boolean dirtyTracking;

        private Builder() {}

        public Builder id(int id) {
            this.id = id;
            return this;
        }

        public Builder devices(List<String> devices) {
            this.devices = List.copyOf(devices);
            return this;
        }

        public Builder devices(String... devices) {
            return devices(List.of(devices));
        }

        public Builder pageSizeBitmap(long bitmap) {
            this.pageSizeBitmap = bitmap;
            return this;
        }

        public Builder aperture(IovaRange aperture) {
            this.aperture = Objects.requireNonNull(aperture, "aperture");
            return this;
        }

        public Builder reservedRegions(List<ReservedRegion> regions) {
            this.reservedRegions = List.copyOf(regions);
            return this;
        }

        public Builder interruptRemapping(boolean remapping) {
            this.interruptRemapping = remapping;
            return this;
        }

        public Builder driver(String driver) {
            this.driver = Objects.requireNonNull(driver, "driver");
            return this;
        }

        public Builder enforceCacheCoherency(boolean enforce) {
            this.enforceCacheCoherency = enforce;
            return this;
        }

        public Builder tceTableGroup(TceTableGroup group) {
            this.tceTableGroup = Objects.requireNonNull(group, "group");
            return this;
        }

        /** The IOMMU can track DMA-dirty pages (Intel SSADS, AMD HAD, SMMUv3 HTTU). */
        public Builder dirtyTracking(boolean tracking) {
            this.dirtyTracking = tracking;
            return this;
        }

        public IommuGroupSpec build() {
            if (id == null) {
                throw new IllegalArgumentException("an IOMMU group needs an id");
            }
            List<String> devs =
                    devices != null
                            ? devices
                            : List.of(String.format("%04x:%02x:00.0", id >>> 8, id & 0xff));
            return new IommuGroupSpec(
                    id,
                    devs,
                    pageSizeBitmap,
                    aperture,
                    reservedRegions,
                    interruptRemapping,
                    driver,
                    enforceCacheCoherency,
                    Optional.ofNullable(tceTableGroup),
                    dirtyTracking);
        }
    }
}
