package io.vfio4j.core;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.BackendState;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.DriverContext;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.SpiVersion;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.VfioSpi;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.VfioCommand;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.HostPlatform;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.host.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A configurable test backend: it records every call, can refuse open or a group's attach, and
 * "maps" by charging the caller's address space (so the invariant checker has something to prove).
 * Not a model of any real backend.
 */
class FakeProvider implements VfioIommuDriverProvider {
    final String name;
    final Set<IommuType> types;
    final SpiVersion spi;
    final List<String> calls = new CopyOnWriteArrayList<>();
    Errno refuseOpen;
    int refuseAttachOfGroup = -1;
    boolean pins = true;
    boolean lieInAudit;
    ClassLoader contextLoaderSeen;
    DriverContext lastContext;
    private Set<HostPlatform> platforms;

    FakeProvider(String name, Set<IommuType> types) {
        this(name, types, SpiVersion.of(VfioSpi.MAJOR, VfioSpi.MINOR));
    }

    FakeProvider(String name, Set<IommuType> types, SpiVersion spi) {
        this.name = name;
        this.types = types;
        this.spi = spi;
    }

    /** Offered a type only when configuration names it (SPI 1.4). */
    boolean onlyWhenConfigured;

    FakeProvider onlyWhenConfigured() {
        this.onlyWhenConfigured = true;
        return this;
    }

    @Override
    public boolean offeredOnlyWhenConfigured() {
        return onlyWhenConfigured;
    }

    /** Declares the platforms (SPI 1.1); without it the provider keeps the default. */
    FakeProvider servingPlatforms(Set<HostPlatform> platforms) {
        this.platforms = platforms;
        return this;
    }

    @Override
    public Set<HostPlatform> platforms() {
        return platforms != null ? platforms : VfioIommuDriverProvider.super.platforms();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SpiVersion spiVersion() {
        return spi;
    }

    @Override
    public Set<IommuType> supportedTypes() {
        return types;
    }

    @Override
    public Set<String> settingKeys() {
        return Set.of("color");
    }

    @Override
    public int checkExtension(long extension, HostView host) {
        return types.stream().anyMatch(t -> t.id() == extension) ? 1 : 0;
    }

    @Override
    public VfioIommuDriverOps open(DriverContext context) {
        calls.add(name + ".open(" + context.requestedType() + ")");
        lastContext = context;
        if (refuseOpen != null) {
            throw new VfioException(refuseOpen, name + " refuses to open");
        }
        return new Ops(context);
    }

    final class Ops implements VfioIommuDriverOps {
        private final DriverContext context;
        private final List<VfioGroupHandle> groups = new ArrayList<>();
        private AddressSpace charged;
        private long chargedPages;
        private final List<String> registered = new ArrayList<>();

        Ops(DriverContext context) {
            this.context = context;
        }

        @Override
        public void attachGroup(VfioGroupHandle group) {
            calls.add(name + ".attach(" + group.id() + ")");
            contextLoaderSeen = Thread.currentThread().getContextClassLoader();
            if (group.id() == refuseAttachOfGroup) {
                throw new VfioException(Errno.EPERM, name + " refuses group " + group.id());
            }
            groups.add(group);
        }

        @Override
        public void detachGroup(VfioGroupHandle group) {
            calls.add(name + ".detach(" + group.id() + ")");
            groups.remove(group);
        }

        @Override
        public <R> R execute(Task caller, VfioCommand<R> command) {
            calls.add(name + ".execute(" + command.ioctlName() + ")");
            if (command instanceof CheckExtension ce) {
                @SuppressWarnings("unchecked")
                R r = (R) Integer.valueOf(checkExtension(ce.extension(), context.host()));
                return r;
            }
            if (command instanceof MapDma map) {
                AddressSpace space = caller.addressSpace().orElseThrow();
                long pages = map.size() / context.host().pageSize();
                space.charge(
                        pages,
                        caller.memlockLimitPages(context.host().pageSize()),
                        caller.capIpcLock());
                if (charged == null) {
                    charged = space;
                    space.retain();
                }
                chargedPages += pages;
                return null;
            }
            throw new VfioException(Errno.ENOTTY, name + " does not know " + command.ioctlName());
        }

        @Override
        public int pinPages(VfioDeviceHandle device, long iova, int npage, int prot, long[] pfns) {
            calls.add(name + ".pin(" + device.name() + "," + npage + ")");
            if (!pins) {
                return VfioIommuDriverOps.super.pinPages(device, iova, npage, prot, pfns);
            }
            return npage;
        }

        @Override
        public void unpinPages(VfioDeviceHandle device, long iova, int npage) {
            calls.add(name + ".unpin(" + device.name() + "," + npage + ")");
        }

        @Override
        public void registerDevice(VfioDeviceHandle device, DmaUnmapListener listener) {
            calls.add(name + ".register(" + device.name() + ")");
            registered.add(device.name());
        }

        @Override
        public void unregisterDevice(VfioDeviceHandle device) {
            calls.add(name + ".unregister(" + device.name() + ")");
            registered.remove(device.name());
        }

        @Override
        public BackendState state() {
            return new BackendState(0, 0, -1, 0, 0, Map.of("groups", (long) groups.size()));
        }

        @Override
        public void audit(AuditSink sink) {
            if (charged != null) {
                sink.charged(charged, null, lieInAudit ? chargedPages + 1 : chargedPages);
            }
        }

        @Override
        public void release() {
            calls.add(name + ".release");
            if (charged != null) {
                charged.uncharge(chargedPages);
                charged.release();
                charged = null;
                chargedPages = 0;
            }
        }
    }
}
