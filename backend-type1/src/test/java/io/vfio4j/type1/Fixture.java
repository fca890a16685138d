package io.vfio4j.type1;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.api.command.VfioCommand;
import io.vfio4j.api.host.Task;
import io.vfio4j.host.HugePage;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimIommuGroup;
import io.vfio4j.host.SimProcess;
import java.util.HashMap;
import java.util.Map;

/**
 * A simulated host, one QEMU-like process and one type1 container driven directly through the
 * driver ops, as the core would drive them. The docs/reference/type1-mdev.md §7 fixtures are the
 * static factories.
 */
final class Fixture {
    static final long KiB = 1024;
    static final long MiB = 1024 * KiB;
    static final long GiB = 1024 * MiB;
    static final long P = 4 * KiB;
    static final int RW = MapDma.READ | MapDma.WRITE;
    static final long LIMIT = 65535;

    final SimHost host;
    final SimProcess qemu;
    final VfioIommuDriverOps ops;
    final RecordingEvents events = new RecordingEvents();
    private long nextVaddr = 0x7f00_0000_0000L;
    private int nextEmulated = 5000;
    private int nextDevice = 1;

    private Fixture(Builder b) {
        host = SimHost.builder().anonymousRunPages(b.anonymousRunPages).kernel(b.kernel).build();
        qemu =
                host.spawnProcess(
                        ProcessSpec.builder()
                                .name("qemu")
                                .memlockLimitBytes(b.memlock)
                                .capIpcLock(b.capIpcLock)
                                .build());
        ops =
                new Type1Provider()
                        .open(
                                new TestContext(
                                        host,
                                        b.type,
                                        new BackendSettings("type1", b.settings),
                                        events,
                                        b.kernel));
    }

    static Builder builder() {
        return new Builder();
    }

    /** PT: one IOMMU group (4K|2M|1G, aperture [0, 2^48-1], MSI reserved), RLIMIT 1 GiB. */
    static Fixture pt() {
        Fixture f = builder().build();
        f.attachIommuGroup(1);
        return f;
    }

    /** MD: one emulated group whose device unpins on notification. */
    static Fixture md() {
        return builder().build();
    }

    static Fixture v1() {
        Fixture f = builder().type(IommuType.TYPE1).build();
        f.attachIommuGroup(1);
        return f;
    }

    TestGroup attachIommuGroup(int id) {
        return attachIommuGroup(IommuGroupSpec.of(id));
    }

    TestGroup attachIommuGroup(IommuGroupSpec spec) {
        TestGroup g = iommuGroup(spec);
        ops.attachGroup(g);
        return g;
    }

    /** Adds the hardware group to the host without attaching it. */
    TestGroup iommuGroup(IommuGroupSpec spec) {
        SimIommuGroup hw = host.addIommuGroup(spec);
        return TestGroup.iommu(hw);
    }

    TestGroup attachEmulatedGroup() {
        TestGroup g = TestGroup.emulated(nextEmulated++);
        ops.attachGroup(g);
        return g;
    }

    /** An mdev in a new emulated group, registered for DMA-unmap notification. */
    VendorDevice mdev(VendorDevice.Behaviour b) {
        TestGroup g = attachEmulatedGroup();
        VendorDevice d = new VendorDevice("mdev-" + nextDevice++, g, ops, P, b);
        d.register();
        return d;
    }

    VendorDevice mdev() {
        return mdev(VendorDevice.Behaviour.WELL_BEHAVED);
    }

    /** Anonymous RAM in the QEMU process; returns its vaddr. */
    long ram(long size) {
        return region(RegionSpec.anonymous(nextVaddr, size), size);
    }

    long region(RegionSpec spec, long size) {
        long vaddr = spec.vaddr();
        qemu.mmap(spec);
        nextVaddr = vaddr + ((size + GiB - 1) / GiB + 1) * GiB;
        return vaddr;
    }

    long nextVaddr() {
        return nextVaddr;
    }

    long hugetlb1G(long size) {
        return region(RegionSpec.hugetlb(nextVaddr, size, HugePage.SIZE_1G), size);
    }

    long bar(long size) {
        return region(RegionSpec.device(nextVaddr, size), size);
    }

    long readOnlyRam(long size) {
        return region(RegionSpec.anonymous(nextVaddr, size).readOnly(), size);
    }

    /** M(iova, size): a read-write mapping over fresh anonymous RAM. */
    long map(long iova, long size) {
        return map(iova, size, RW);
    }

    long map(long iova, long size, int flags) {
        long vaddr = ram(size);
        exec(MapDma.of(vaddr, iova, size, flags));
        return vaddr;
    }

    void mapAt(long vaddr, long iova, long size) {
        exec(MapDma.rw(vaddr, iova, size));
    }

    UnmapDma.Result unmap(long iova, long size) {
        return exec(UnmapDma.of(iova, size));
    }

    <R> R exec(VfioCommand<R> c) {
        return ops.execute(qemu, c);
    }

    <R> R exec(Task caller, VfioCommand<R> c) {
        return ops.execute(caller, c);
    }

    SimAddressSpace mm() {
        return qemu.simAddressSpace().orElseThrow();
    }

    /** locked_vm of the QEMU address space. */
    long lv() {
        return mm().lockedVm();
    }

    long dmaAvail() {
        return ops.state().dmaAvail();
    }

    long mappings() {
        return ops.state().mappings();
    }

    Snapshot snapshot() {
        return Snapshot.of(this);
    }

    /** Host-wide pins are exactly the backend's claims, and the audit finds no violation. */
    void assertAuditClean() {
        AuditCollector a = new AuditCollector();
        ops.audit(a);
        assertThat(a.violations).isEmpty();
        assertThat(a.chargedTotal()).isEqualTo(lv());
        assertThat(a.pins).isEqualTo(host.memory().totalPins());
        assertThat(a.live + a.available).isEqualTo(a.limit);
    }

    static final class Builder {
        private IommuType type = IommuType.TYPE1v2;
        private long memlock = GiB;
        private boolean capIpcLock;
        private long anonymousRunPages = 64;
        private final Map<String, String> settings = new HashMap<>();
        private KernelVersion kernel = KernelVersion.BASELINE;

        Builder kernel(String release) {
            kernel = KernelVersion.parse(release);
            return this;
        }

        Builder type(IommuType t) {
            type = t;
            return this;
        }

        Builder memlock(long bytes) {
            memlock = bytes;
            return this;
        }

        Builder memlockPages(long pages) {
            memlock = pages * P;
            return this;
        }

        Builder capIpcLock() {
            capIpcLock = true;
            return this;
        }

        Builder anonymousRunPages(long pages) {
            anonymousRunPages = pages;
            return this;
        }

        Builder setting(String key, String value) {
            settings.put(key, value);
            return this;
        }

        Fixture build() {
            return new Fixture(this);
        }
    }
}
