package io.vfio4j.host;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.IommuDomain;
import io.vfio4j.api.host.IommuGroup;
import io.vfio4j.api.host.ReservedRegion;
import io.vfio4j.api.host.TceTableGroup;
import java.util.List;
import java.util.Optional;

/**
 * A simulated IOMMU group built from an {@link IommuGroupSpec}. Its attachment is changed only by
 * {@link SimIommuDomain#attach}/{@link SimIommuDomain#detach}, under the host's IOMMU lock.
 */
public final class SimIommuGroup implements IommuGroup {
    private final SimHost host;
    private final IommuGroupSpec spec;

    /** Guarded by {@link SimHost#iommuLock()}. */
    private SimIommuDomain domain;

    SimIommuGroup(SimHost host, IommuGroupSpec spec) {
        this.host = host;
        this.spec = spec;
    }

    /** The hardware description the group was built from. */
    public IommuGroupSpec spec() {
        return spec;
    }

    @Override
    public int id() {
        return spec.id();
    }

    @Override
    public List<String> devices() {
        return spec.devices();
    }

    @Override
    public List<ReservedRegion> reservedRegions() {
        return spec.reservedRegions();
    }

    @Override
    public boolean interruptRemapping() {
        return spec.interruptRemapping();
    }

    /** The driver of the group's IOMMU. */
    public String driver() {
        return spec.driver();
    }

    @Override
    public IommuDomain allocateDomain() {
        return allocateSimDomain();
    }

    @Override
    public boolean dirtyTracking() {
        return spec.dirtyTracking();
    }

    @Override
    public IommuDomain allocateDomain(boolean dirtyTracking) {
        if (dirtyTracking && !spec.dirtyTracking()) {
            throw VfioException.of(
                    Errno.EOPNOTSUPP, "group %d: its IOMMU cannot track dirty pages", id());
        }
        return allocateSimDomain(dirtyTracking);
    }

    /** {@link #allocateDomain()} with the simulation-side type. */
    public SimIommuDomain allocateSimDomain() {
        return allocateSimDomain(false);
    }

    private SimIommuDomain allocateSimDomain(boolean dirtyTracking) {
        if (host.faults().hit(FaultInjector.FaultSite.ALLOCATION).isPresent()) {
            throw VfioException.of(
                    Errno.ENOMEM, "injected failure allocating a domain for group %d", id());
        }
        return new SimIommuDomain(
                host,
                spec.driver(),
                spec.pageSizeBitmap(),
                spec.aperture(),
                spec.enforceCacheCoherency(),
                dirtyTracking);
    }

    @Override
    public Optional<IommuDomain> domain() {
        synchronized (host.iommuLock()) {
            return Optional.ofNullable(domain);
        }
    }

    /** {@link #domain()} with the simulation-side type. */
    public Optional<SimIommuDomain> simDomain() {
        synchronized (host.iommuLock()) {
            return Optional.ofNullable(domain);
        }
    }

    @Override
    public Optional<TceTableGroup> tceTableGroup() {
        return spec.tceTableGroup();
    }

    /** Caller holds the host's IOMMU lock. */
    SimIommuDomain attachedDomain() {
        return domain;
    }

    /** Caller holds the host's IOMMU lock. */
    void setAttachedDomain(SimIommuDomain domain) {
        this.domain = domain;
    }

    @Override
    public String toString() {
        return "iommu group " + id() + " " + devices();
    }
}
