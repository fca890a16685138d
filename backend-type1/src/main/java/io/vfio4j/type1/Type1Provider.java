package io.vfio4j.type1;

import io.vfio4j.api.DriverContext;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.SpiVersion;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.VfioSpi;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.host.HostPlatform;
import io.vfio4j.api.host.HostView;
import java.util.EnumSet;
import java.util.Set;

/**
 * The type1 IOMMU backend (TYPE1 and TYPE1v2) with external (mdev) pinning and page accounting,
 * modelled on Linux's {@code vfio_iommu_type1.c} around v6.16. Stateless; one {@link
 * Type1Container} per container.
 */
public final class Type1Provider implements VfioIommuDriverProvider {
    public static final String NAME = "type1";

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
        return EnumSet.of(HostPlatform.X86_64, HostPlatform.AARCH64);
    }

    @Override
    public Set<IommuType> supportedTypes() {
        return EnumSet.of(IommuType.TYPE1, IommuType.TYPE1v2);
    }

    @Override
    public Set<String> settingKeys() {
        return Type1Settings.KEYS;
    }

    /** CHECK_EXTENSION with no container: what the kernel answers with {@code iommu == NULL}. */
    @Override
    public int checkExtension(long extension, HostView host) {
        return staticExtension(extension, Type1Era.of(KernelVersion.BASELINE));
    }

    @Override
    public int checkExtension(long extension, HostView host, KernelVersion kernel) {
        return staticExtension(extension, Type1Era.of(kernel));
    }

    /**
     * The answers that do not depend on a container. DMA_CC and UPDATE_VADDR need one, so they are
     * 0 here; TYPE1_NESTING is reported up to 6.12 only (from 6.13 SET_IOMMU(6) finds no backend;
     * before, the model still has no IOMMU type 6 to open: see docs/deviations.md T1-10).
     */
    static int staticExtension(long extension, Type1Era era) {
        if (extension == IommuType.TYPE1.id()
                || extension == IommuType.TYPE1v2.id()
                || extension == CheckExtension.UNMAP_ALL
                || (extension == CheckExtension.TYPE1_NESTING && era.reportsNesting())) {
            return 1;
        }
        return 0;
    }

    @Override
    public VfioIommuDriverOps open(DriverContext context) {
        IommuType type = context.requestedType();
        boolean v2;
        if (type == IommuType.TYPE1) {
            v2 = false;
        } else if (type == IommuType.TYPE1v2) {
            v2 = true;
        } else {
            throw VfioException.of(Errno.EINVAL, "type1 cannot open IOMMU type %s", type);
        }
        Type1Settings settings = Type1Settings.from(context.settings());
        return new Type1Container(
                new Type1State(
                        context.host(),
                        v2,
                        settings,
                        context.events(),
                        Type1Era.of(context.kernel())));
    }
}
