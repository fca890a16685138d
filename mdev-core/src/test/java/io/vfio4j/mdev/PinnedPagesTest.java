package io.vfio4j.mdev;

import static io.vfio4j.mdev.Errnos.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.core.VfioDevice;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The vendor helper: pins through the core, remembers what it holds, releases exactly that. */
class PinnedPagesTest {
    private static final long P = 4096;
    private final MdevTestBed bed = new MdevTestBed();
    private VfioDevice device;
    private PinnedPages pins;

    @BeforeEach
    void openDevice() {
        bed.vendor.pinPages = 0;
        MdevDevice d = bed.bus.create(bed.small, UUID.randomUUID());
        d.group().setContainer(bed.qemu, bed.container);
        bed.container.setIommu(IommuType.TYPE1v2);
        bed.mapRam();
        device = d.group().openDevice(d.name());
        pins = new PinnedPages(device, P);
    }

    @Test
    void pinnedFramesAreTheGuestsPages() {
        bed.qemu.write(MdevTestBed.VADDR + 5 * P + 100, new byte[] {42, 43});
        long[] pfns = pins.pin(4 * P, 2, DmaProt.READ);
        byte[] seen = new byte[2];
        bed.host.memory().read(pfns[1] * P + 100, seen, 0, 2);
        assertThat(seen).containsExactly(42, 43);
        assertThat(pins.pfn(5 * P)).isEqualTo(pfns[1]);
        assertThat(pins.pfn(6 * P)).isEqualTo(-1);
        assertThat(bed.lockedVm()).isEqualTo(2);
    }

    @Test
    void referencesAreCountedPerPageAndUnpinDropsOne() {
        pins.pin(0, 3, DmaProt.RW);
        pins.pin(P, 1, DmaProt.RW);
        assertThat(pins.references(P)).isEqualTo(2);
        assertThat(pins.pageCount()).isEqualTo(3);
        assertThat(pins.referenceCount()).isEqualTo(4);
        assertThat(bed.ops().references(device.name(), P)).isEqualTo(2);

        assertThat(pins.unpin(0, 3)).isEqualTo(3);
        assertThat(pins.iovas()).containsExactly(P);
        assertThat(bed.ops().references(device.name(), P)).isEqualTo(1);
        assertThat(bed.lockedVm()).isEqualTo(1);
    }

    @Test
    void anUnpinOfPagesItDoesNotHoldIsNeverForwarded() {
        pins.pin(0, 1, DmaProt.RW);
        bed.backend.calls.clear();
        assertThat(pins.unpinRange(8 * P, 4)).isZero();
        assertThat(bed.backend.calls).isEmpty();
        assertThat(pins.unpinRange(0, 4)).isEqualTo(1);
        assertThat(bed.backend.calls).containsExactly("unpin " + device.name() + " 1");
    }

    @Test
    void forgetUpdatesTheRecordWithoutCallingTheCore() {
        pins.pin(0, 3, DmaProt.RW);
        pins.pin(P, 1, DmaProt.RW);
        device.unpinPages(0, 2);
        bed.backend.calls.clear();
        assertThat(pins.forget(0, 4)).isEqualTo(3);
        assertThat(bed.backend.calls).isEmpty();
        assertThat(pins.iovas()).containsExactly(P);
        assertThat(pins.references(P)).isEqualTo(1);
        assertThat(pins.forget(8 * P, 4)).isZero();
        assertThat(pins.forget(0, 0)).isZero();
        // Page 2 was forgotten but never unpinned: the record lets go of it, the backend does not.
        assertThat(pins.releaseAll()).isEqualTo(1);
        assertThat(bed.ops().pinnedPages()).isEqualTo(1);
        assertThat(bed.ops().references(device.name(), 2 * P)).isEqualTo(1);
    }

    @Test
    void aRangeIsPinnedInCallsOfAtMost512() {
        bed.backend.calls.clear();
        assertThat(pins.pinRange(0, 1300, DmaProt.RW)).isEqualTo(1300);
        assertThat(bed.backend.calls)
                .containsExactly(
                        "pin " + device.name() + " 512",
                        "pin " + device.name() + " 512",
                        "pin " + device.name() + " 276");
        assertThat(bed.ops().pinnedPages()).isEqualTo(1300);
        assertThat(pins.releaseAll()).isEqualTo(1300);
        assertThat(bed.ops().pinnedPages()).isZero();
        assertThat(bed.lockedVm()).isZero();
    }

    @Test
    void aFailingCallInARangeKeepsTheEarlierCallsAndRecordsNothingOfItsOwn() {
        bed.qemu.setMemlockLimitBytes(1100 * P); // read at MAP time by the fake
        bed.container.ioctl(bed.qemu, io.vfio4j.api.command.UnmapDma.of(0, MdevTestBed.RAM));
        bed.mapRam();
        assertErrno(() -> pins.pinRange(0, 1300, DmaProt.RW), Errno.ENOMEM);
        assertThat(pins.pageCount()).isEqualTo(1024);
        assertThat(bed.ops().pinnedPages()).isEqualTo(1024);
        assertThat(bed.lockedVm()).isEqualTo(1024);
    }

    @Test
    void theCoresErrorsComeThroughAndLeaveNothingRecorded() {
        assertErrno(() -> pins.pin(0, 513, DmaProt.RW), Errno.E2BIG);
        assertErrno(() -> pins.pin(MdevTestBed.RAM - P, 2, DmaProt.RW), Errno.EINVAL);
        assertThat(pins.pageCount()).isZero();
        assertThat(bed.ops().pinnedPages()).isZero();
        assertThat(bed.lockedVm()).isZero();
    }

    @Test
    void releaseRangeDropsEveryReferenceInsideTheRangeOnly() {
        pins.pinRange(0, 10, DmaProt.RW);
        pins.pin(2 * P, 2, DmaProt.RW);
        pins.pin(2 * P, 1, DmaProt.RW);
        assertThat(pins.releaseRange(2 * P, 3 * P)).isEqualTo(3 + 2 + 1);
        assertThat(pins.references(2 * P)).isZero();
        assertThat(pins.references(5 * P)).isEqualTo(1);
        assertThat(pins.pageCount()).isEqualTo(7);
        assertThat(bed.ops().pinnedPages()).isEqualTo(7);
    }

    @Test
    void manyScatteredPagesSurviveGrowthAndDeletion() {
        for (int i = 0; i < 2000; i += 2) {
            pins.pin(i * P, 1, DmaProt.READ);
        }
        for (int i = 0; i < 2000; i += 4) {
            pins.unpin(i * P, 1);
        }
        assertThat(pins.pageCount()).isEqualTo(500);
        for (int i = 0; i < 2000; i++) {
            assertThat(pins.references(i * P)).isEqualTo(i % 4 == 2 ? 1 : 0);
        }
        assertThat(bed.ops().pinnedPages()).isEqualTo(500);
    }
}
