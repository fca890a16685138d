package io.vfio4j.iommufd;

import static io.vfio4j.iommufd.Fixture.GiB;
import static io.vfio4j.iommufd.Fixture.KiB;
import static io.vfio4j.iommufd.Fixture.MiB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.HostUser;
import io.vfio4j.api.host.Task;
import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.api.ioas.IoasMapFile;
import io.vfio4j.api.ioas.IommuOption;
import io.vfio4j.api.ioas.NativeIommuOps;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimIommuGroup;
import io.vfio4j.host.SimMemfd;
import io.vfio4j.host.SimProcess;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * IOMMU_IOAS_MAP_FILE (docs/reference/iommufd.md §4.3) and IOMMU_IOAS_CHANGE_PROCESS (§3 A12) on a
 * native context, with the conformance cases 157, 159 and 161. Counters as lv (locked_vm), pv
 * (pinned_vm), ulv (the uid's locked_vm), in 4 KiB pages.
 */
class NativeFilesTest {
    private final SimHost host = SimHost.builder().build();
    private final SimProcess parent = process(GiB, 1000);
    private final NativeIommuOps ctx = open();
    private final int ioas = ctx.ioasAlloc(0);

    private NativeIommuOps open() {
        return NativeContexts.open(host);
    }

    private SimProcess process(long memlock, int uid) {
        return host.spawnProcess(
                ProcessSpec.builder().name("qemu").memlockLimitBytes(memlock).uid(uid).build());
    }

    /** N1: D1 attached to I (a domain: pins happen at map time). */
    private int n1() {
        SimIommuGroup g = host.addIommuGroup(IommuGroupSpec.of(1));
        int d = ctx.bindDevice(g.devices().get(0), g);
        ctx.attach(d, ioas);
        return d;
    }

    private long mapFile(Task caller, SimMemfd f, long iova, long length) {
        return ctx.ioasMapFile(caller, IoasMapFile.fixed(ioas, f, 0, iova, length));
    }

    /** lv, pv, ulv of a process. */
    private static long[] counters(SimProcess p) {
        SimAddressSpace mm = p.simAddressSpace().orElseThrow();
        return new long[] {mm.lockedVm(), mm.pinnedVm(), p.user().lockedVm()};
    }

    private static void assertErrno(ThrowingCallable call, Errno errno) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(errno));
    }

    @Test
    void mapFileChecksFlagsOverflowPermissionIoasAndDescriptorInTheKernelsOrder() {
        SimMemfd f = host.memfdCreate(2 * MiB, false);
        assertErrno(
                () -> ctx.ioasMapFile(parent, new IoasMapFile(ioas, 1 << 3, f, 0, 4096, 0)),
                Errno.EOPNOTSUPP);
        assertErrno(
                () -> ctx.ioasMapFile(parent, new IoasMapFile(ioas, IoasMap.RW, f, 0, -1L, 0)),
                Errno.EOVERFLOW);
        assertErrno(
                () ->
                        ctx.ioasMapFile(
                                parent, new IoasMapFile(ioas, IoasMap.FIXED_IOVA, f, 0, 4096, 0)),
                Errno.EINVAL);
        assertErrno(
                () -> ctx.ioasMapFile(parent, IoasMapFile.fixed(77, f, 0, 0, 4096)), Errno.ENOENT);
        assertErrno(
                () -> ctx.ioasMapFile(parent, IoasMapFile.fixed(ioas, null, 0, 0, 4096)),
                Errno.EBADF);
        assertErrno(
                () -> ctx.ioasMapFile(parent, IoasMapFile.fixed(ioas, f, -4096, 0, 8192)),
                Errno.EOVERFLOW);
        assertErrno(
                () -> ctx.ioasMapFile(parent, IoasMapFile.fixed(ioas, f, 0, 0, 0)), Errno.EINVAL);
        assertThat(ctx.state().mappings()).isZero();
    }

    @Test
    void mapFileWithADomainPinsAndChargesTheMapperAndUnmapUncharges() {
        n1();
        SimMemfd f = host.memfdCreate(2 * MiB, false);
        assertThat(mapFile(parent, f, 0, 2 * MiB)).isZero();
        // 2 MiB = 512 pages: user mode charges the uid's locked_vm and pinned_vm (A1, A5).
        assertThat(counters(parent)).containsExactly(0, 512, 512);
        // A second MAP_FILE of the same file is a second pages object: charged twice (A8).
        mapFile(parent, f, 4 * MiB, 2 * MiB);
        assertThat(counters(parent)).containsExactly(0, 1024, 1024);
        ctx.ioasUnmap(ioas, 0, -1L);
        assertThat(counters(parent)).containsExactly(0, 0, 0);
    }

    @Test
    void mapFileWithoutADomainIsLazyAndTheAttachCharges() {
        SimMemfd f = host.memfdCreate(1 * MiB, false);
        mapFile(parent, f, 0, 1 * MiB);
        assertThat(counters(parent)).containsExactly(0, 0, 0);
        n1();
        // 1 MiB = 256 pages, charged to the process that made the mapping (A5).
        assertThat(counters(parent)).containsExactly(0, 256, 256);
    }

    @Test
    void case161PastTheEndOfTheFileIsEinvalWhenPinned() {
        n1();
        SimMemfd f = host.memfdCreate(32 * KiB, false);
        assertErrno(() -> mapFile(parent, f, 0, 32 * KiB + 4096), Errno.EINVAL);
        f.truncate(0);
        assertErrno(() -> mapFile(parent, f, 0, 32 * KiB), Errno.EINVAL);
        // A6: nothing stays: no area, no charge, no pinned frame.
        assertThat(ctx.state().mappings()).isZero();
        assertThat(counters(parent)).containsExactly(0, 0, 0);
        assertThat(ctx.state().details()).containsEntry("pinned", 0L);
    }

    @Test
    void case157ChangeProcessFromTheMapperChangesNothing() {
        n1();
        SimMemfd f = host.memfdCreate(4096, false);
        mapFile(parent, f, 0, 4096);
        ctx.ioasChangeProcess(parent, 0);
        assertThat(counters(parent)).containsExactly(0, 1, 1);
        assertErrno(() -> ctx.ioasChangeProcess(parent, 1), Errno.EOPNOTSUPP);
        // An empty context has nothing to move.
        open().ioasChangeProcess(parent, 0);
    }

    @Test
    void case159ChangeProcessMovesPinnedVmToTheCaller() {
        n1();
        SimMemfd f = host.memfdCreate(4096, false);
        mapFile(parent, f, 0, 4096);
        SimProcess child = process(GiB, 1000);
        ctx.ioasChangeProcess(child, 0);
        // Same uid: its locked_vm stays 1; pinned_vm 1 -> 0 in the parent, 0 -> 1 in the child.
        assertThat(counters(parent)).containsExactly(0, 0, 1);
        assertThat(counters(child)).containsExactly(0, 1, 1);
        // The pages belong to the child now: the unmap takes the charge off the child.
        ctx.ioasUnmap(ioas, 0, 4096);
        assertThat(counters(parent)).containsExactly(0, 0, 0);
        assertThat(counters(child)).containsExactly(0, 0, 0);
    }

    @Test
    void changeProcessToAnotherUserMovesTheUsersLockedVmWithinTheCallersLimit() {
        n1();
        SimMemfd f = host.memfdCreate(2 * MiB, false);
        mapFile(parent, f, 0, 2 * MiB);
        // 512 pages do not fit under a 1 MiB (256-page) RLIMIT of the caller: ENOMEM, no change.
        SimProcess small = process(1 * MiB, 2000);
        assertErrno(() -> ctx.ioasChangeProcess(small, 0), Errno.ENOMEM);
        assertThat(counters(parent)).containsExactly(0, 512, 512);
        assertThat(counters(small)).containsExactly(0, 0, 0);
        SimProcess other = process(GiB, 2000);
        ctx.ioasChangeProcess(other, 0);
        assertThat(counters(parent)).containsExactly(0, 0, 0);
        assertThat(counters(other)).containsExactly(0, 512, 512);
        // Later pins (a second domain pins nothing; a new map pins) are charged to the new owner.
        ctx.ioasUnmap(ioas, 0, -1L);
        assertThat(counters(other)).containsExactly(0, 0, 0);
    }

    @Test
    void changeProcessWithAUserMemoryMappingIsEinvalAndChangesNothing() {
        n1();
        SimMemfd f = host.memfdCreate(4096, false);
        mapFile(parent, f, 0, 4096);
        long va = 0x7f00_0000_0000L;
        parent.mmap(RegionSpec.anonymous(va, 4096));
        int other = ctx.ioasAlloc(0);
        // A VA mapping in any IOAS of the context blocks it, even one without a domain.
        ctx.ioasMap(parent, IoasMap.fixed(other, va, 0, 4096));
        SimProcess child = process(GiB, 1000);
        assertErrno(() -> ctx.ioasChangeProcess(child, 0), Errno.EINVAL);
        assertThat(counters(parent)).containsExactly(0, 1, 1);
        // The child shares uid 1000, so it sees the same user locked_vm of 1; its pinned_vm is 0.
        assertThat(counters(child)).containsExactly(0, 0, 1);
    }

    @Test
    void changeProcessInMmModeMovesLockedVmToo() {
        NativeIommuOps mm = open();
        Task cap = withCapSysResource(parent);
        mm.option(cap, IommuOption.set(IommuOption.RLIMIT_MODE, 0, 1));
        int i = mm.ioasAlloc(0);
        SimIommuGroup g = host.addIommuGroup(IommuGroupSpec.of(1));
        mm.attach(mm.bindDevice(g.devices().get(0), g), i);
        SimMemfd f = host.memfdCreate(8192, false);
        mm.ioasMapFile(parent, IoasMapFile.fixed(i, f, 0, 0, 8192));
        assertThat(counters(parent)).containsExactly(2, 2, 0);
        SimProcess child = process(GiB, 1000);
        mm.ioasChangeProcess(child, 0);
        assertThat(counters(parent)).containsExactly(0, 0, 0);
        assertThat(counters(child)).containsExactly(2, 2, 0);
        mm.release();
        assertThat(counters(child)).containsExactly(0, 0, 0);
    }

    @Test
    void changeProcessOfPagesMappedWithCapIpcLockMovesPinnedVm() {
        n1();
        SimProcess locked =
                host.spawnProcess(
                        ProcessSpec.builder()
                                .name("qemu")
                                .memlockLimitBytes(0)
                                .capIpcLock(true)
                                .build());
        SimMemfd f = host.memfdCreate(8192, false);
        mapFile(locked, f, 0, 8192);
        // A2: CAP_IPC_LOCK at map time: mode NONE, only pinned_vm (2 pages).
        assertThat(counters(locked)).containsExactly(0, 2, 0);
        SimProcess child = process(GiB, 2000);
        ctx.ioasChangeProcess(child, 0);
        // docs/deviations.md IOMMUFD-16: pinned_vm moves with the owner (the kernel leaves it).
        assertThat(counters(locked)).containsExactly(0, 0, 0);
        assertThat(counters(child)).containsExactly(0, 2, 0);
        ctx.ioasUnmap(ioas, 0, -1L);
        assertThat(counters(child)).containsExactly(0, 0, 0);
    }

    /** The process with CAP_SYS_RESOURCE (the simulated host grants it to nobody). */
    private static Task withCapSysResource(SimProcess p) {
        return new Task() {
            @Override
            public int pid() {
                return p.pid();
            }

            @Override
            public Optional<AddressSpace> addressSpace() {
                return p.addressSpace();
            }

            @Override
            public long memlockLimitBytes() {
                return p.memlockLimitBytes();
            }

            @Override
            public boolean capIpcLock() {
                return false;
            }

            @Override
            public boolean capSysRawio() {
                return false;
            }

            @Override
            public boolean capSysResource() {
                return true;
            }

            @Override
            public HostUser user() {
                return p.user();
            }

            @Override
            public boolean isAlive() {
                return p.isAlive();
            }
        };
    }
}
