package io.vfio4j.spapr;

import io.vfio4j.api.DriverContext;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.SpiVersion;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.VfioSpi;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.host.HostPlatform;
import io.vfio4j.api.host.HostView;
import java.util.Set;

/**
 * The SPAPR TCE backend ({@code drivers/vfio/vfio_iommu_spapr_tce.c}): {@code VFIO_SPAPR_TCE_IOMMU}
 * (v1) and {@code VFIO_SPAPR_TCE_v2_IOMMU} (v2).
 *
 * <p>Setting {@value #EXTERNAL_PINNING} (default false) turns on the "natural extension" of the
 * docs/reference/spapr-tce.md §6: emulated groups may join v2 containers and vendor drivers may pin
 * pages through the TCE windows. Off, the backend behaves as the kernel's.
 */
public final class SpaprTceProvider implements VfioIommuDriverProvider {
    public static final String NAME = "spapr-tce";

    /** {@code vfio4j.backend.spapr-tce.external-pinning}. */
    public static final String EXTERNAL_PINNING = "external-pinning";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SpiVersion spiVersion() {
        return SpiVersion.of(VfioSpi.MAJOR, VfioSpi.MINOR);
    }

    /** The host platforms whose IOMMU this backend drives; the default there. */
    @Override
    public Set<HostPlatform> platforms() {
        return Set.of(HostPlatform.PPC64);
    }

    @Override
    public Set<IommuType> supportedTypes() {
        return Set.of(IommuType.SPAPR_TCE, IommuType.SPAPR_TCE_v2);
    }

    @Override
    public Set<String> settingKeys() {
        return Set.of(EXTERNAL_PINNING);
    }

    @Override
    public int checkExtension(long extension, HostView host) {
        return extensionSupported(extension, host);
    }

    static int extensionSupported(long extension, HostView host) {
        if (extension == IommuType.SPAPR_TCE.id() || extension == IommuType.SPAPR_TCE_v2.id()) {
            return 1;
        }
        if (extension == CheckExtension.EEH) {
            return host.eehEnabled() ? 1 : 0;
        }
        return 0;
    }

    @Override
    public VfioIommuDriverOps open(DriverContext context) {
        IommuType type = context.requestedType();
        if (type != IommuType.SPAPR_TCE && type != IommuType.SPAPR_TCE_v2) {
            throw new VfioException(
                    Errno.EINVAL, "spapr-tce does not implement IOMMU type " + type);
        }
        boolean pinning = context.settings().getBoolean(EXTERNAL_PINNING, false);
        return new SpaprTceContainer(
                context.host(),
                type == IommuType.SPAPR_TCE_v2,
                pinning,
                context.events(),
                SpaprEra.of(context.kernel()));
    }
}
