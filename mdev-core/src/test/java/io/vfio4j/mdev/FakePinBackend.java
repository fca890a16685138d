package io.vfio4j.mdev;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.BackendState;
import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.DriverContext;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.KernelBugError;
import io.vfio4j.api.SpiVersion;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.VfioSpi;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.api.command.VfioCommand;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.host.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small pinning backend for mdev-core's tests, not a model of type1: mappings translate IOVAs to
 * user addresses, external pins are counted per device and charged once per distinct page, unmap
 * notifies the registered devices (and gives up after 11 passes), and a group that leaves with pins
 * is reported as a vendor leak. It records the calls it gets.
 */
final class FakePinBackend implements VfioIommuDriverProvider {
    static final String NAME = "fakepin";

    final List<String> calls = new CopyOnWriteArrayList<>();

    /** A group id whose attach is refused with EPERM, or -1. */
    volatile int refuseAttachOfGroup = -1;

    volatile Ops last;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SpiVersion spiVersion() {
        return SpiVersion.of(VfioSpi.MAJOR, VfioSpi.MINOR);
    }

    @Override
    public Set<IommuType> supportedTypes() {
        return Set.of(IommuType.TYPE1v2);
    }

    @Override
    public int checkExtension(long extension, HostView host) {
        return extension == IommuType.TYPE1v2.id() ? 1 : 0;
    }

    @Override
    public VfioIommuDriverOps open(DriverContext context) {
        Ops ops = new Ops(context);
        last = ops;
        return ops;
    }

    private record Mapping(
            long iova, long size, long vaddr, int prot, AddressSpace space, long limit) {
        boolean covers(long a) {
            return Long.compareUnsigned(a, iova) >= 0 && Long.compareUnsigned(a - iova, size) < 0;
        }
    }

    final class Ops implements VfioIommuDriverOps {
        private final DriverContext context;
        private final long pageSize;
        private final List<VfioGroupHandle> groups = new ArrayList<>();
        private final TreeMap<Long, Mapping> mappings = new TreeMap<>(Long::compareUnsigned);

        /** device name -> iova -> references. */
        private final Map<String, TreeMap<Long, Integer>> pins = new LinkedHashMap<>();

        private final Map<String, VfioDeviceHandle> handles = new LinkedHashMap<>();
        private final Map<String, DmaUnmapListener> listeners = new LinkedHashMap<>();

        /** iova -> references over every device; each key is charged once. */
        private final TreeMap<Long, Integer> total = new TreeMap<>(Long::compareUnsigned);

        Ops(DriverContext context) {
            this.context = context;
            this.pageSize = context.host().pageSize();
        }

        @Override
        public synchronized void attachGroup(VfioGroupHandle group) {
            calls.add("attach " + group.kind());
            if (group.id() == refuseAttachOfGroup) {
                throw VfioException.of(Errno.EPERM, "fake refuses %s", group.describe());
            }
            groups.add(group);
        }

        @Override
        public synchronized void detachGroup(VfioGroupHandle group) {
            calls.add("detach " + group.kind());
            groups.remove(group);
            for (String device : List.copyOf(pins.keySet())) {
                VfioDeviceHandle h = handles.get(device);
                if (h.group().id() != group.id()) {
                    continue;
                }
                TreeMap<Long, Integer> held = pins.remove(device);
                long refs = 0;
                for (Map.Entry<Long, Integer> e : held.entrySet()) {
                    refs += e.getValue();
                    for (int i = 0; i < e.getValue(); i++) {
                        dropTotal(e.getKey());
                    }
                }
                if (!held.isEmpty()) {
                    context.events()
                            .vendorLeak(
                                    new VendorLeak(NAME, device, List.copyOf(held.keySet()), refs));
                }
            }
        }

        @Override
        public <R> R execute(Task caller, VfioCommand<R> command) {
            if (command instanceof CheckExtension ce) {
                @SuppressWarnings("unchecked")
                R r = (R) Integer.valueOf(checkExtension(ce.extension(), context.host()));
                return r;
            }
            if (command instanceof MapDma map) {
                synchronized (this) {
                    AddressSpace space = caller.addressSpace().orElseThrow();
                    space.retain();
                    int prot = (map.flags() & MapDma.READ) != 0 ? DmaProt.READ : 0;
                    prot |= (map.flags() & MapDma.WRITE) != 0 ? DmaProt.WRITE : 0;
                    mappings.put(
                            map.iova(),
                            new Mapping(
                                    map.iova(),
                                    map.size(),
                                    map.vaddr(),
                                    prot,
                                    space,
                                    caller.memlockLimitPages(pageSize)));
                    return null;
                }
            }
            if (command instanceof UnmapDma unmap) {
                long bytes = 0;
                for (Mapping m : overlapping(unmap.iova(), unmap.size())) {
                    notifyUntilFree(m);
                    synchronized (this) {
                        mappings.remove(m.iova());
                        m.space().release();
                    }
                    bytes += m.size();
                }
                @SuppressWarnings("unchecked")
                R r = (R) new UnmapDma.Result(bytes, Optional.empty());
                return r;
            }
            throw VfioException.of(Errno.ENOTTY, "fake does not know %s", command.ioctlName());
        }

        private synchronized List<Mapping> overlapping(long iova, long size) {
            List<Mapping> out = new ArrayList<>();
            for (Mapping m : mappings.values()) {
                if (Long.compareUnsigned(m.iova(), iova + size) < 0
                        && Long.compareUnsigned(iova, m.iova() + m.size()) < 0) {
                    out.add(m);
                }
            }
            return out;
        }

        private void notifyUntilFree(Mapping m) {
            for (int pass = 1; hasPins(m); pass++) {
                if (pass > 11) {
                    throw new KernelBugError(
                            "pins stay in mapping 0x" + Long.toHexString(m.iova()));
                }
                List<DmaUnmapListener> ls;
                synchronized (this) {
                    ls = List.copyOf(listeners.values());
                }
                // Outside the lock, as the contract says: the listener unpins through us.
                ls.forEach(l -> l.dmaUnmap(m.iova(), m.size()));
            }
        }

        private synchronized boolean hasPins(Mapping m) {
            Long k = total.ceilingKey(m.iova());
            return k != null && m.covers(k);
        }

        @Override
        public synchronized int pinPages(
                VfioDeviceHandle device, long iova, int npage, int prot, long[] pfns) {
            calls.add("pin " + device.name() + " " + npage);
            if (listeners.isEmpty()) {
                throw VfioException.of(Errno.EINVAL, "no device can be told of unmaps");
            }
            for (int k = 0; k < npage; k++) {
                long a = iova + k * pageSize;
                try {
                    pfns[k] = pinOne(device, a, prot);
                } catch (VfioException e) {
                    for (int j = 0; j < k; j++) {
                        unpinOne(device, iova + j * pageSize);
                    }
                    throw e;
                }
            }
            return npage;
        }

        private long pinOne(VfioDeviceHandle device, long a, int prot) {
            Map.Entry<Long, Mapping> e = mappings.floorEntry(a);
            if (e == null || !e.getValue().covers(a)) {
                throw VfioException.of(Errno.EINVAL, "iova 0x%x is not mapped", a);
            }
            Mapping m = e.getValue();
            if (!DmaProt.allows(m.prot(), prot)) {
                throw VfioException.of(Errno.EPERM, "iova 0x%x lacks access", a);
            }
            long pfn = m.space().translate(m.vaddr() + (a - m.iova()), 1).pfn();
            if (!total.containsKey(a)) {
                m.space().charge(1, m.limit(), false);
            }
            total.merge(a, 1, Integer::sum);
            handles.put(device.name(), device);
            pins.computeIfAbsent(device.name(), d -> new TreeMap<>(Long::compareUnsigned))
                    .merge(a, 1, Integer::sum);
            return pfn;
        }

        @Override
        public synchronized void unpinPages(VfioDeviceHandle device, long iova, int npage) {
            calls.add("unpin " + device.name() + " " + npage);
            for (int k = 0; k < npage; k++) {
                unpinOne(device, iova + k * pageSize);
            }
        }

        private void unpinOne(VfioDeviceHandle device, long a) {
            TreeMap<Long, Integer> held = pins.get(device.name());
            if (held == null || !held.containsKey(a)) {
                return; // the kernel's rule: unpinning what is not pinned is ignored
            }
            held.computeIfPresent(a, (k, v) -> v == 1 ? null : v - 1);
            if (held.isEmpty()) {
                pins.remove(device.name());
            }
            dropTotal(a);
        }

        private void dropTotal(long a) {
            if (total.computeIfPresent(a, (k, v) -> v == 1 ? null : v - 1) == null) {
                Map.Entry<Long, Mapping> e = mappings.floorEntry(a);
                e.getValue().space().uncharge(1);
            }
        }

        @Override
        public synchronized void registerDevice(VfioDeviceHandle device, DmaUnmapListener l) {
            calls.add("register " + device.name());
            listeners.put(device.name(), l);
        }

        @Override
        public synchronized void unregisterDevice(VfioDeviceHandle device) {
            calls.add("unregister " + device.name());
            listeners.remove(device.name());
        }

        @Override
        public void dmaRw(
                VfioDeviceHandle device,
                long iova,
                byte[] buf,
                int offset,
                int length,
                boolean write) {
            Mapping m;
            synchronized (this) {
                Map.Entry<Long, Mapping> e = mappings.floorEntry(iova);
                if (e == null || !e.getValue().covers(iova)) {
                    throw VfioException.of(Errno.EINVAL, "dma_rw: iova 0x%x is not mapped", iova);
                }
                m = e.getValue();
            }
            long vaddr = m.vaddr() + (iova - m.iova());
            if (write) {
                m.space().write(vaddr, buf, offset, length);
            } else {
                m.space().read(vaddr, buf, offset, length);
            }
        }

        /** Distinct pages pinned, over every device. */
        synchronized int pinnedPages() {
            return total.size();
        }

        /** References {@code device} holds at {@code iova}. */
        synchronized int references(String device, long iova) {
            TreeMap<Long, Integer> held = pins.get(device);
            return held == null ? 0 : held.getOrDefault(iova, 0);
        }

        synchronized Set<String> registered() {
            return Set.copyOf(listeners.keySet());
        }

        @Override
        public synchronized BackendState state() {
            long refs = total.values().stream().mapToLong(Integer::longValue).sum();
            return new BackendState(mappings.size(), 0, -1, total.size(), refs, Map.of());
        }

        @Override
        public void audit(AuditSink sink) {}

        @Override
        public synchronized void release() {
            calls.add("release");
            for (Mapping m : mappings.values()) {
                m.space().release();
            }
            mappings.clear();
        }
    }
}
