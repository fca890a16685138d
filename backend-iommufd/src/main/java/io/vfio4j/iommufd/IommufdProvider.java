package io.vfio4j.iommufd;

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
import io.vfio4j.api.ioas.NativeContext;
import io.vfio4j.api.ioas.NativeIommuOps;
import io.vfio4j.api.ioas.NativeIommuProvider;
import java.util.EnumSet;
import java.util.Set;

/**
 * The iommufd backend: Linux's {@code drivers/iommu/iommufd} answering the type1 container ioctls
 * over one I/O address space (the compat container of {@code vfio_compat.c}, mainline ≈6.17 with
 * the 6.18 compat-unmap fix). It serves TYPE1 and TYPE1v2 only when the configuration names it,
 * since type1 is the default for those types. Stateless; one {@link CompatContainer} per container.
 * It also opens {@code /dev/iommu} contexts ({@link IommufdNative}).
 */
public final class IommufdProvider implements VfioIommuDriverProvider, NativeIommuProvider {
    public static final String NAME = "iommufd";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SpiVersion spiVersion() {
        return SpiVersion.of(VfioSpi.MAJOR, VfioSpi.MINOR);
    }

    @Override
    public Set<HostPlatform> platforms() {
        return EnumSet.of(HostPlatform.X86_64, HostPlatform.AARCH64);
    }

    @Override
    public Set<IommuType> supportedTypes() {
        return EnumSet.of(IommuType.TYPE1, IommuType.TYPE1v2);
    }

    @Override
    public boolean offeredOnlyWhenConfigured() {
        return true;
    }

    @Override
    public Set<String> settingKeys() {
        return IommufdSettings.KEYS;
    }

    /**
     * CHECK_EXTENSION before a container chose a backend ({@code iommufd_vfio_check_extension}):
     * TYPE1, TYPE1v2 and UNMAP_ALL are 1; UPDATE_VADDR, TYPE1_NESTING, the SPAPR types and
     * everything else 0. DMA_CC needs the compat IOAS, so it is 0 here.
     */
    @Override
    public int checkExtension(long extension, HostView host) {
        return extension == IommuType.TYPE1.id()
                        || extension == IommuType.TYPE1v2.id()
                        || extension == CheckExtension.UNMAP_ALL
                ? 1
                : 0;
    }

    @Override
    public VfioIommuDriverOps open(DriverContext context) {
        IommuType type = context.requestedType();
        if (type != IommuType.TYPE1 && type != IommuType.TYPE1v2) {
            throw VfioException.of(Errno.EINVAL, "iommufd cannot open IOMMU type %s", type);
        }
        return new CompatContainer(
                new Ioas(context.host(), type == IommuType.TYPE1, context.events()),
                IommufdSettings.from(context.settings()),
                context.events());
    }

    /**
     * Opens a {@code /dev/iommu} context: IOASes, automatic HWPTs and bound devices, in per-user
     * accounting mode (docs/reference/iommufd.md §2).
     */
    @Override
    public NativeIommuOps openNative(NativeContext context) {
        return new IommufdNative(
                context.host(), IommufdSettings.from(context.settings()), context.events());
    }
}
