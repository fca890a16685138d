package io.vfio4j.iommufd;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.DriverContext;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.api.command.VfioCommand;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.host.IommuGroup;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A simulated host, a QEMU-like process and one compat container driven through the driver ops as
 * the core drives them: the fixtures of docs/reference/iommufd.md §10 (C2: TYPE1v2 with a device
 * attached; C0: no device yet; CE: with an emulated device).
 */
final class Fixture {
    static final long KiB = 1024;
    static final long MiB = 1024 * KiB;
    static final long GiB = 1024 * MiB;
    static final long P = 4 * KiB;
    static final int RW = MapDma.READ | MapDma.WRITE;

    final SimHost host;
    final SimProcess qemu;
    final VfioIommuDriverOps ops;
    final Events events = new Events();
    private long nextVaddr = 0x7f00_0000_0000L;
    private int nextEmulated = 5000;

    /** The events the backend reported. */
    static final class Events implements VfioEventSink {
        final List<String> warnings = new CopyOnWriteArrayList<>();

        @Override
        public void vendorLeak(VendorLeak leak) {}

        @Override
        public void taint(String reason) {}

        @Override
        public void kernelWarn(String message) {
            warnings.add(message);
        }
    }

    record Group(int id, GroupKind kind, Optional<IommuGroup> iommuGroup)
            implements VfioGroupHandle {}

    record Device(String name, VfioGroupHandle group) implements VfioDeviceHandle {}

    private record Context(
            HostView host, IommuType requestedType, BackendSettings settings, VfioEventSink events)
            implements DriverContext {}

    Fixture(IommuType type, long memlockBytes, boolean capIpcLock, Map<String, String> settings) {
        host = SimHost.builder().build();
        qemu = process(memlockBytes, capIpcLock, ProcessSpec.DEFAULT_UID);
        ops =
                new IommufdProvider()
                        .open(
                                new Context(
                                        host,
                                        type,
                                        new BackendSettings("iommufd", settings),
                                        events));
    }

    /** C0: TYPE1v2, RLIMIT 1 GiB, no device attached yet. */
    static Fixture c0() {
        return new Fixture(IommuType.TYPE1v2, GiB, false, Map.of());
    }

    /** C2: C0 with group 1 attached (its device opened: domain 4K|2M|1G, MSI reserved). */
    static Fixture c2() {
        Fixture f = c0();
        f.attachIommuGroup(1);
        return f;
    }

    /** C1: C2 as TYPE1 (large pages disabled). */
    static Fixture c1() {
        Fixture f = new Fixture(IommuType.TYPE1, GiB, false, Map.of());
        f.attachIommuGroup(1);
        return f;
    }

    /** A second container on the same host (another open of the container device). */
    VfioIommuDriverOps openContainer(Map<String, String> settings) {
        return new IommufdProvider()
                .open(
                        new Context(
                                host,
                                IommuType.TYPE1v2,
                                new BackendSettings("iommufd", settings),
                                events));
    }

    SimProcess process(long memlockBytes, boolean capIpcLock, int uid) {
        return host.spawnProcess(
                ProcessSpec.builder()
                        .name("qemu")
                        .memlockLimitBytes(memlockBytes)
                        .capIpcLock(capIpcLock)
                        .uid(uid)
                        .build());
    }

    Group iommuGroup(int id) {
        return new Group(
                id, GroupKind.IOMMU, Optional.of(host.addIommuGroup(IommuGroupSpec.of(id))));
    }

    Group attachIommuGroup(int id) {
        Group g = iommuGroup(id);
        ops.attachGroup(g);
        return g;
    }

    /** An emulated device whose callback unpins exactly what it pinned in the notified range. */
    Mdev mdev() {
        Group g = new Group(nextEmulated++, GroupKind.EMULATED, Optional.empty());
        ops.attachGroup(g);
        Mdev m = new Mdev(new Device("mdev-" + g.id(), g), this);
        ops.registerDevice(m.device, m::dmaUnmap);
        return m;
    }

    /** A pinning device; {@code cooperative} false: it never unpins when told. */
    static final class Mdev {
        final Device device;
        final Fixture f;
        final List<long[]> pins = new ArrayList<>();
        final List<long[]> notifications = new ArrayList<>();
        boolean cooperative = true;

        Mdev(Device device, Fixture f) {
            this.device = device;
            this.f = f;
        }

        int pin(long iova, int npage) {
            int n = f.ops.pinPages(device, iova, npage, io.vfio4j.api.DmaProt.RW, new long[npage]);
            pins.add(new long[] {iova, npage});
            return n;
        }

        void unpin(long iova, int npage) {
            f.ops.unpinPages(device, iova, npage);
        }

        void dmaUnmap(long iova, long length) {
            notifications.add(new long[] {iova, length});
            if (!cooperative) {
                return;
            }
            long last = iova + length - 1;
            for (long[] pin : new ArrayList<>(pins)) {
                long pinLast = pin[0] + pin[1] * P - 1;
                if (Long.compareUnsigned(pin[0], last) <= 0
                        && Long.compareUnsigned(iova, pinLast) <= 0) {
                    f.ops.unpinPages(device, pin[0], (int) pin[1]);
                    pins.remove(pin);
                }
            }
        }
    }

    long ram(long size) {
        return region(RegionSpec.anonymous(nextVaddr, size), size);
    }

    long bar(long size) {
        return region(RegionSpec.device(nextVaddr, size), size);
    }

    long region(RegionSpec spec, long size) {
        long vaddr = spec.vaddr();
        qemu.mmap(spec);
        nextVaddr = vaddr + ((size + GiB - 1) / GiB + 1) * GiB;
        return vaddr;
    }

    long map(long iova, long size) {
        long vaddr = ram(size);
        exec(MapDma.rw(vaddr, iova, size));
        return vaddr;
    }

    long unmap(long iova, long size) {
        return exec(UnmapDma.of(iova, size)).unmappedBytes();
    }

    <R> R exec(VfioCommand<R> c) {
        return ops.execute(qemu, c);
    }

    SimAddressSpace mm() {
        return qemu.simAddressSpace().orElseThrow();
    }

    /** lv, pv and ulv of the QEMU process, in pages. */
    long[] counters() {
        return new long[] {mm().lockedVm(), mm().pinnedVm(), qemu.user().lockedVm()};
    }

    static Map<String, String> settings(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
