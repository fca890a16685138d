package com.example.noiommu;

import com.google.common.collect.ImmutableSet;
import io.vfio4j.api.DriverContext;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.SpiVersion;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.VfioSpi;
import io.vfio4j.api.host.HostView;
import java.util.Set;

/**
 * The VFIO no-IOMMU backend ({@code VFIO_NOIOMMU_IOMMU}, type 8) as a third-party plugin: devices
 * without an IOMMU are handed to userspace with no translation and no isolation. There is nothing
 * to map, so every container command but CHECK_EXTENSION is ENOTTY; only no-IOMMU groups may join;
 * the first group taints the host. The runtime already refuses a no-IOMMU group to a caller without
 * CAP_SYS_RAWIO.
 */
public final class NoIommuProvider implements VfioIommuDriverProvider {
    public static final String NAME = "noiommu";

    // Guava's ImmutableSet on purpose: this plugin bundles its own Guava (see GuavaVersion).
    private static final ImmutableSet<IommuType> TYPES = ImmutableSet.of(IommuType.NOIOMMU);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SpiVersion spiVersion() {
        // Constants, so the version this class was compiled against is what it reports.
        return SpiVersion.of(VfioSpi.MAJOR, VfioSpi.MINOR);
    }

    @Override
    public Set<IommuType> supportedTypes() {
        return TYPES;
    }

    @Override
    public int checkExtension(long extension, HostView host) {
        return extension == IommuType.NOIOMMU.id() ? 1 : 0;
    }

    @Override
    public VfioIommuDriverOps open(DriverContext context) {
        if (context.requestedType() != IommuType.NOIOMMU) {
            throw VfioException.of(
                    Errno.EINVAL, "noiommu cannot open IOMMU type %s", context.requestedType());
        }
        return new NoIommuContainer(context.events());
    }

    /** The Guava version this plugin runs with; see {@link GuavaVersion#seen()}. */
    public static String guavaVersion() {
        return GuavaVersion.seen();
    }
}
