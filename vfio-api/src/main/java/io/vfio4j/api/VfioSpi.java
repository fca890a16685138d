package io.vfio4j.api;

/**
 * The version of this SPI. The fields are compile-time constants on purpose: javac copies their
 * values into a provider's class file, so {@code SpiVersion.of(VfioSpi.MAJOR, VfioSpi.MINOR)}
 * written in a provider reports the version the provider was <em>compiled</em> against, not the
 * version of the API jar it happens to run with.
 *
 * <p>Rule: a runtime loads a provider with the same major version and a minor version not newer
 * than its own.
 *
 * <p>History: 1.0 first release; 1.1 adds {@link io.vfio4j.api.host.HostView#hostPlatform()} and
 * {@link VfioIommuDriverProvider#platforms()}, both default methods, so 1.0 providers still load;
 * 1.2 adds {@link DriverContext#kernel()} and {@link VfioIommuDriverProvider#checkExtension(long,
 * io.vfio4j.api.host.HostView, KernelVersion)} (the kernel era), both default methods; 1.3 lets a
 * backend see the accounting iommufd and vhost-vdpa use: {@link io.vfio4j.api.host.Task#user()}
 * ({@link io.vfio4j.api.host.HostUser}, the per-user {@code locked_vm}) and {@link
 * io.vfio4j.api.host.AddressSpace#pinnedVm()} with its charge and uncharge. Those are implemented
 * by the runtime, never by a provider, so older providers are unaffected. 1.4 adds two default
 * methods: {@link VfioIommuDriverProvider#offeredOnlyWhenConfigured()} (a backend that serves a
 * type another backend serves by default, such as iommufd's type1 compat container) and {@link
 * VfioIommuDriverOps#maxPinPages(long)} (the most pages one pin call may name). 1.5 adds the
 * device-centric API of {@link io.vfio4j.api.ioas}: a provider may also implement {@link
 * io.vfio4j.api.ioas.NativeIommuProvider} to open {@code /dev/iommu} contexts; a 1.4 provider
 * simply does not. 1.6 grows that API with default methods only: HWPT dirty tracking ({@link
 * io.vfio4j.api.ioas.NativeIommuOps#hwptSetDirtyTracking}, {@link
 * io.vfio4j.api.ioas.NativeIommuOps#hwptGetDirtyBitmap}), IOMMU_IOAS_MAP_FILE and
 * IOMMU_IOAS_CHANGE_PROCESS ({@link io.vfio4j.api.ioas.NativeIommuOps#ioasMapFile}, {@link
 * io.vfio4j.api.ioas.NativeIommuOps#ioasChangeProcess}), emulated devices' accesses ({@link
 * io.vfio4j.api.ioas.NativeIommuOps#bindEmulated} and the access pin, unpin and read/write), all
 * answering ENOTTY unless implemented, the memory file they map ({@link
 * io.vfio4j.api.host.MemFile}, implemented by the host) and the host's side of dirty tracking
 * ({@link io.vfio4j.api.host.IommuGroup#allocateDomain(boolean)}, {@link
 * io.vfio4j.api.host.IommuDomain#setDirtyTracking}, {@link
 * io.vfio4j.api.host.IommuDomain#readDirty}, EOPNOTSUPP unless implemented), so a 1.5 provider
 * loads unchanged.
 */
public final class VfioSpi {
    public static final int MAJOR = 1;
    public static final int MINOR = 6;

    private VfioSpi() {}

    /** The version of the API on the class path at run time. */
    public static SpiVersion runtime() {
        return new SpiVersion(MAJOR, MINOR);
    }
}
