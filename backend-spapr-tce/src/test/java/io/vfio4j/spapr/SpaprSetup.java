package io.vfio4j.spapr;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.SpaprTceCreate;
import io.vfio4j.api.command.SpaprTceRemove;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.api.command.VfioCommand;
import io.vfio4j.api.host.Task;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.Platform;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimIommuGroup;
import io.vfio4j.host.SimProcess;
import io.vfio4j.host.power.PowerNvTableGroup;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * The reference setup R of docs/reference/spapr-tce.md §8: a POWER host with 64 KiB pages and EEH;
 * PowerNV groups G1 and G2 (compatible), H (no DDW), X (another platform type); process P (address
 * space A) and process Q; guest RAM at {@link #V} and {@link #V2}.
 */
final class SpaprSetup {
    static final long KIB = 1024;
    static final long MIB = 1024 * KIB;
    static final long GIB = 1024 * MIB;

    /** 2 GiB default window in 64 KiB pages. */
    static final long W = 32768;

    /** The default window's table: 4 KiB pages, 2 GiB, one level. */
    static final long T0 = 128;

    /** A 64 GiB window of 64 KiB pages in one level. */
    static final long T64 = 256;

    /** A 1 GiB region in 64 KiB pages. */
    static final long R1 = 16384;

    static final long V = 1L << 40;
    static final long V2 = (1L << 40) + 4 * GIB;

    final SimHost host;
    final PowerNvTableGroup g1Pe = PowerNvTableGroup.ioda2();
    final PowerNvTableGroup g2Pe = PowerNvTableGroup.ioda2();
    final PowerNvTableGroup hPe = PowerNvTableGroup.builder().noDdw().build();
    final PowerNvTableGroup xPe = PowerNvTableGroup.builder().platformType("pseries-lpar").build();
    final PowerNvTableGroup nPe = PowerNvTableGroup.builder().withoutEeh().build();
    final TestGroup g1;
    final TestGroup g2;
    final TestGroup h;
    final TestGroup x;
    final TestGroup n;
    final SimProcess p;
    final SimProcess q;
    final SimAddressSpace a;
    final SimAddressSpace b;

    /** The kernel era the containers opened from here answer for. */
    KernelVersion kernel = KernelVersion.BASELINE;

    SpaprSetup() {
        this(true);
    }

    SpaprSetup(boolean eeh) {
        host = SimHost.builder().platform(Platform.POWER).eeh(eeh).build();
        g1 = group(1, g1Pe);
        g2 = group(2, g2Pe);
        h = group(3, hPe);
        x = group(4, xPe);
        n = group(5, nPe);
        p = host.spawnProcess(ProcessSpec.builder().name("P").memlockLimitBytes(1L << 50).build());
        q = host.spawnProcess(ProcessSpec.builder().name("Q").memlockLimitBytes(1L << 50).build());
        a = p.simAddressSpace().orElseThrow();
        b = q.simAddressSpace().orElseThrow();
    }

    private TestGroup group(int id, PowerNvTableGroup pe) {
        SimIommuGroup g =
                host.addIommuGroup(
                        IommuGroupSpec.builder()
                                .id(id)
                                .driver("powernv")
                                .tceTableGroup(pe)
                                .build());
        return TestGroup.iommu(g);
    }

    /** P's RLIMIT_MEMLOCK in 64 KiB pages. */
    void limit(long pages) {
        p.setMemlockLimitBytes(pages * host.pageSize());
    }

    long lockedVm() {
        return a.lockedVm();
    }

    /** Anonymous read-write memory in P. */
    void ram(long vaddr, long size) {
        p.mmap(RegionSpec.anonymous(vaddr, size));
    }

    VfioIommuDriverOps open(IommuType type, boolean externalPinning) {
        return new SpaprTceProvider()
                .open(TestDriverContext.of(host, type, externalPinning, kernel));
    }

    /**
     * The core's VFIO_SET_IOMMU: at least one group, open the backend, attach every group; on a
     * failure detach those attached, release and rethrow.
     */
    VfioIommuDriverOps setIommu(
            IommuType type, boolean externalPinning, VfioGroupHandle... groups) {
        if (groups.length == 0) {
            throw new VfioException(Errno.EINVAL, "SET_IOMMU: the container has no group");
        }
        VfioIommuDriverOps ops = open(type, externalPinning);
        List<VfioGroupHandle> done = new ArrayList<>();
        try {
            for (VfioGroupHandle g : groups) {
                ops.attachGroup(g);
                done.add(g);
            }
        } catch (VfioException e) {
            for (VfioGroupHandle g : done) {
                ops.detachGroup(g);
            }
            ops.release();
            throw e;
        }
        return ops;
    }

    VfioIommuDriverOps v1(VfioGroupHandle group) {
        return setIommu(IommuType.SPAPR_TCE, false, group);
    }

    VfioIommuDriverOps v2(VfioGroupHandle... groups) {
        return setIommu(IommuType.SPAPR_TCE_v2, false, groups);
    }

    <R> R run(VfioIommuDriverOps ops, VfioCommand<R> command) {
        return ops.execute(p, command);
    }

    static <R> R run(VfioIommuDriverOps ops, Task caller, VfioCommand<R> command) {
        return ops.execute(caller, command);
    }

    void map(VfioIommuDriverOps ops, long vaddr, long iova, long size) {
        run(ops, MapDma.rw(vaddr, iova, size));
    }

    void unmap(VfioIommuDriverOps ops, long iova, long size) {
        run(ops, UnmapDma.of(iova, size));
    }

    void register(VfioIommuDriverOps ops, long vaddr, long size) {
        run(ops, SpaprRegisterMemory.of(vaddr, size));
    }

    long create(VfioIommuDriverOps ops, int pageShift, long size, int levels) {
        return run(ops, SpaprTceCreate.of(pageShift, size, levels));
    }

    void remove(VfioIommuDriverOps ops, long start) {
        run(ops, SpaprTceRemove.of(start));
    }

    /** The preregistered region of A with exactly this start and size. */
    PreregRegion region(long vaddr, long size) {
        return a.attachment(PreregRegistry.KEY, PreregRegistry::new)
                .findExact(vaddr, size / host.pageSize());
    }

    long pfn(long vaddr) {
        return a.translate(vaddr, 1).pfn();
    }

    long pins(long vaddr) {
        return host.memory().pinCount(pfn(vaddr));
    }

    static void assertErrno(Errno errno, ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioException.class,
                        e ->
                                org.assertj.core.api.Assertions.assertThat(e.errno())
                                        .as(e.getMessage())
                                        .isEqualTo(errno));
    }
}
