package io.vfio4j.iommufd;

import static io.vfio4j.iommufd.Fixture.GiB;
import static io.vfio4j.iommufd.Fixture.MiB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.api.ioas.IoasMapFile;
import io.vfio4j.api.ioas.NativeIommuOps;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimIommuGroup;
import io.vfio4j.host.SimMemfd;
import io.vfio4j.host.SimProcess;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Accesses on a native context, docs/reference/iommufd.md §6 (fixture NA: an emulated device E
 * bound to the context with its access attached to IOAS I; its callback unpins with the same (iova,
 * npage) every pin it holds in the notified range). Counters lv, pv, ulv in 4 KiB pages.
 */
class NativeAccessTest {
    private static final long P = 4096;

    private final SimHost host = SimHost.builder().build();
    private final SimProcess qemu =
            host.spawnProcess(ProcessSpec.builder().name("qemu").memlockLimitBytes(GiB).build());
    private final Fixture.Events events = new Fixture.Events();
    private final List<String> warnings = events.warnings;
    private final NativeIommuOps ctx = open();
    private final int ioas = ctx.ioasAlloc(0);
    private final List<long[]> pins = new ArrayList<>();
    private final List<long[]> notifications = new ArrayList<>();
    private boolean cooperative = true;
    private final int e = ctx.bindEmulated(new Dev("mdev-e"), this::dmaUnmap);
    private long nextVa = 0x7f00_0000_0000L;

    private record Dev(String name) implements VfioDeviceHandle {
        @Override
        public VfioGroupHandle group() {
            return null;
        }
    }

    private NativeIommuOps open() {
        return NativeContexts.open(host, events);
    }

    private void dmaUnmap(long iova, long length) {
        notifications.add(new long[] {iova, length});
        if (!cooperative) {
            return;
        }
        for (long[] pin : new ArrayList<>(pins)) {
            if (Long.compareUnsigned(pin[0], iova + length - 1) <= 0
                    && Long.compareUnsigned(iova, pin[0] + pin[1] * P - 1) <= 0) {
                ctx.accessUnpin(e, pin[0], (int) pin[1]);
                pins.remove(pin);
            }
        }
    }

    private int pin(long iova, int npage) {
        int n = ctx.accessPin(e, iova, npage, DmaProt.RW, new long[npage]);
        pins.add(new long[] {iova, npage});
        return n;
    }

    private void map(long iova, long size, int flags) {
        long va = nextVa;
        qemu.mmap(RegionSpec.anonymous(va, size));
        nextVa += GiB;
        ctx.ioasMap(qemu, new IoasMap(ioas, flags | IoasMap.FIXED_IOVA, va, size, iova, 0));
    }

    private long[] counters() {
        SimAddressSpace mm = qemu.simAddressSpace().orElseThrow();
        return new long[] {mm.lockedVm(), mm.pinnedVm(), qemu.user().lockedVm()};
    }

    private static void assertErrno(ThrowingCallable call, Errno errno) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioException.class, x -> assertThat(x.errno()).isEqualTo(errno));
    }

    @Test
    void x1AttachToAnIoasOnlyAndNotOverMisalignedAreas() {
        assertErrno(() -> ctx.accessPin(e, 0, 1, DmaProt.RW, new long[1]), Errno.ENOENT);
        assertErrno(() -> ctx.attach(e, 77), Errno.ENOENT);
        // Without a domain or access the alignment is 1: a 0x800-byte area is possible.
        ctx.ioasMap(qemu, IoasMap.fixed(ioas, nextVa, 0x1000, 0x800));
        assertErrno(() -> ctx.attach(e, ioas), Errno.EADDRINUSE);
        ctx.ioasUnmap(ioas, 0x1000, 0x800);
        assertThat(ctx.attach(e, ioas)).isEqualTo(ioas);
        // The access raises the alignment to P (M1).
        assertThat(ctx.ioasIovaRanges(ioas, 4).alignment()).isEqualTo(P);
        assertThat(ctx.state().details()).containsEntry("accesses", 1L);
    }

    @Test
    void case101And103PinsAreChargedWithoutABoundOnNpage() {
        ctx.attach(e, ioas);
        map(0, 4 * MiB, IoasMap.RW);
        assertThat(pin(0x1000, 1)).isEqualTo(1);
        assertThat(counters()).containsExactly(0, 1, 1);
        assertThat(pin(0, 513)).isEqualTo(513);
        // Pages 0..512 plus page 1 again: 513 distinct pages charged once each (A4).
        assertThat(counters()).containsExactly(0, 513, 513);
        // The context's state counts the same pages, and 514 references (page 1 twice).
        assertThat(ctx.state().pinnedPages()).isEqualTo(513);
        assertThat(ctx.state().pinReferences()).isEqualTo(514);
        ctx.accessUnpin(e, 0x1000, 1);
        assertThat(ctx.state().pinnedPages()).isEqualTo(513);
        assertThat(ctx.state().pinReferences()).isEqualTo(513);
    }

    @Test
    void case105And117HolesAreEnoentAndWritesToReadOnlyAreEperm() {
        ctx.attach(e, ioas);
        map(0, 8 * 1024, IoasMap.RW);
        assertErrno(() -> pin(0, 3), Errno.ENOENT);
        assertThat(counters()).containsExactly(0, 0, 0);
        map(MiB, MiB, IoasMap.READABLE);
        assertErrno(() -> ctx.accessRw(e, MiB, new byte[8], 0, 8, true), Errno.EPERM);
        assertErrno(() -> ctx.accessPin(e, MiB, 1, DmaProt.WRITE, new long[1]), Errno.EPERM);
        assertThat(counters()).containsExactly(0, 0, 0);
    }

    @Test
    void case109AndX6AnUnpinThatMatchesNoRecordIsAWarnAndReleasesNothing() {
        ctx.attach(e, ioas);
        map(0, MiB, IoasMap.RW);
        ctx.accessUnpin(e, 0x1000, 1);
        assertThat(warnings).hasSize(1);
        ctx.accessPin(e, 0, 4, DmaProt.RW, new long[4]);
        ctx.accessUnpin(e, 0, 1); // page by page: no exact record
        assertThat(warnings).hasSize(2);
        assertThat(counters()).containsExactly(0, 4, 4);
        ctx.accessUnpin(e, 0, 4);
        assertThat(counters()).containsExactly(0, 0, 0);
    }

    @Test
    void case113AnUnmapTellsTheAccessOnceAboutTheWholeArea() {
        ctx.attach(e, ioas);
        map(2 * MiB, 2 * MiB, IoasMap.RW);
        pin(2 * MiB, 1);
        pin(2 * MiB + P, 2);
        pin(3 * MiB, 1);
        assertThat(ctx.ioasUnmap(ioas, 0, 8 * MiB)).isEqualTo(2 * MiB);
        assertThat(notifications).hasSize(1);
        assertThat(notifications.get(0)).containsExactly(2 * MiB, 2 * MiB);
        assertThat(counters()).containsExactly(0, 0, 0);
    }

    @Test
    void case115ANeverUnpinningAccessGetsEdeadlkAfter101Notifications() {
        ctx.attach(e, ioas);
        map(2 * MiB, 2 * MiB, IoasMap.RW);
        pin(2 * MiB, 1);
        cooperative = false;
        assertErrno(() -> ctx.ioasUnmap(ioas, 2 * MiB, 2 * MiB), Errno.EDEADLK);
        assertThat(notifications).hasSize(101);
        assertThat(warnings).hasSize(1);
        assertThat(ctx.state().mappings()).isEqualTo(1);
        assertErrno(() -> pin(2 * MiB, 1), Errno.EINVAL);
        assertThat(counters()).containsExactly(0, 1, 1);
    }

    @Test
    void x9ADetachedAccessLeavesItsPinsAndTheUnmapEndsInEdeadlock() {
        ctx.attach(e, ioas);
        map(0, MiB, IoasMap.RW);
        pin(0, 2);
        ctx.detach(e);
        assertThat(ctx.state().details()).containsEntry("accesses", 0L);
        assertThat(counters()).containsExactly(0, 2, 2);
        // Nobody is left to tell: 101 passes with no notification, then EDEADLK.
        assertErrno(() -> ctx.ioasUnmap(ioas, 0, MiB), Errno.EDEADLK);
        assertThat(notifications).isEmpty();
        // Closing the context drops the leaked pins with a WARN (O9).
        ctx.release();
        assertThat(counters()).containsExactly(0, 0, 0);
    }

    @Test
    void x11ReadsAndWritesGoThroughMapFileAreasWithoutCharging() {
        SimIommuGroup g = host.addIommuGroup(IommuGroupSpec.of(1));
        ctx.attach(ctx.bindDevice(g.devices().get(0), g), ioas);
        ctx.attach(e, ioas);
        SimMemfd f = host.memfdCreate(2 * MiB, false);
        ctx.ioasMapFile(qemu, IoasMapFile.fixed(ioas, f, 0, 0, 2 * MiB));
        assertThat(counters()).containsExactly(0, 512, 512);
        byte[] data = {1, 2, 3, 4};
        ctx.accessRw(e, P + 10, data, 0, 4, true);
        byte[] back = new byte[4];
        f.read(P + 10, back, 0, 4);
        assertThat(back).containsExactly(1, 2, 3, 4);
        byte[] again = new byte[4];
        ctx.accessRw(e, P + 10, again, 0, 4, false);
        assertThat(again).containsExactly(1, 2, 3, 4);
        assertThat(counters()).containsExactly(0, 512, 512);
    }
}
