package io.vfio4j.spapr;

import static io.vfio4j.spapr.SpaprSetup.GIB;
import static io.vfio4j.spapr.SpaprSetup.KIB;
import static io.vfio4j.spapr.SpaprSetup.MIB;
import static io.vfio4j.spapr.SpaprSetup.T0;
import static io.vfio4j.spapr.SpaprSetup.T64;
import static io.vfio4j.spapr.SpaprSetup.V;
import static io.vfio4j.spapr.SpaprSetup.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.KernelBugError;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprUnregisterMemory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The external-pinning extension (docs/reference/spapr-tce.md §6 "natural extension"), on and off.
 */
class SpaprExternalPinningTest {
    private static final long RAM = 256 * MIB;
    private static final long RAM_PAGES = RAM / (64 * KIB);

    private final SpaprSetup r = new SpaprSetup();
    private final TestGroup mdevGroup = TestGroup.emulated(1 << 20);
    private final TestDevice vgpu = new TestDevice("0b9b5f7e-vgpu", mdevGroup);

    /** A v2 container with G1 and the vGPU's group, RAM registered and mapped 1:1 at iova 0. */
    private VfioIommuDriverOps passthroughPlusVgpu() {
        VfioIommuDriverOps c = r.setIommu(IommuType.SPAPR_TCE_v2, true, r.g1, mdevGroup);
        r.ram(V, RAM);
        r.register(c, V, RAM);
        r.map(c, V, 0, RAM);
        return c;
    }

    /** A listener that unpins every page the vGPU pinned in the range, and records the calls. */
    private List<long[]> unpinningListener(VfioIommuDriverOps c, List<Long> pinned) {
        List<long[]> calls = new ArrayList<>();
        c.registerDevice(
                vgpu,
                (iova, length) -> {
                    calls.add(new long[] {iova, length});
                    for (Long io : new ArrayList<>(pinned)) {
                        if (io - iova >= 0 && io - iova < length) {
                            c.unpinPages(vgpu, io, 1);
                            pinned.remove(io);
                        }
                    }
                });
        return calls;
    }

    @Test
    void offByDefaultPinIsEnottyAndEmulatedGroupsAreRefused() {
        VfioIommuDriverOps c = r.v2(r.g1);
        assertErrno(Errno.ENOTTY, () -> c.pinPages(vgpu, 0, 1, DmaProt.RW, new long[1]));
        assertErrno(Errno.ENOTTY, () -> c.unpinPages(vgpu, 0, 1));
        assertErrno(Errno.EINVAL, () -> c.attachGroup(mdevGroup));
    }

    @Test
    void v1NeverAcceptsEmulatedGroupsOrPins() {
        VfioIommuDriverOps c = r.setIommu(IommuType.SPAPR_TCE, true, r.g1);
        assertErrno(Errno.EINVAL, () -> c.attachGroup(mdevGroup));
        assertErrno(Errno.ENOTTY, () -> c.pinPages(vgpu, 0, 1, DmaProt.RW, new long[1]));
    }

    @Test
    void pinAndUnpinChargeNothingAndCountReferences() {
        VfioIommuDriverOps c = passthroughPlusVgpu();
        long charged = r.lockedVm();
        assertThat(charged).isEqualTo(RAM_PAGES + T0);
        long[] pfns = new long[4];

        assertThat(c.pinPages(vgpu, 0x10000, 4, DmaProt.RW, pfns)).isEqualTo(4);
        c.pinPages(vgpu, 0x10000, 1, DmaProt.READ, new long[1]);

        for (int i = 0; i < 4; i++) {
            assertThat(pfns[i]).isEqualTo(r.pfn(V + 0x10000 + i * 64 * KIB));
        }
        assertThat(r.lockedVm()).isEqualTo(charged);
        assertThat(c.state().pinnedPages()).isEqualTo(4);
        assertThat(c.state().pinReferences()).isEqualTo(5);
        assertThat(r.region(V, RAM).mapped()).isEqualTo(1 + RAM / (4 * KIB) + 5);

        c.unpinPages(vgpu, 0x10000, 4);
        c.unpinPages(vgpu, 0x10000, 1);
        assertThat(c.state().pinReferences()).isZero();
        assertThat(r.region(V, RAM).mapped()).isEqualTo(1 + RAM / (4 * KIB));
        assertThat(r.lockedVm()).isEqualTo(charged);
    }

    @Test
    void unpinOfAnUnpinnedIovaIsEinvalAndChangesNothing() {
        VfioIommuDriverOps c = passthroughPlusVgpu();
        c.pinPages(vgpu, 0, 1, DmaProt.RW, new long[1]);
        assertErrno(Errno.EINVAL, () -> c.unpinPages(vgpu, 0, 2)); // the second page is not pinned
        assertThat(c.state().pinReferences()).isEqualTo(1);
        TestDevice other = new TestDevice("other", mdevGroup);
        assertErrno(Errno.EINVAL, () -> c.unpinPages(other, 0, 1));
    }

    @Test
    void pinOfAnUnmappedOrReadOnlyIovaIsEinvalAndLeavesNoTrace() {
        VfioIommuDriverOps c = passthroughPlusVgpu();
        long[] pfns = new long[2];
        assertErrno(
                Errno.EINVAL,
                () -> c.pinPages(vgpu, RAM - 64 * KIB, 2, DmaProt.RW, pfns)); // 2nd unmapped
        r.run(c, MapDma.of(V, 0, 64 * KIB, MapDma.READ)); // device may only read this page now
        assertErrno(Errno.EINVAL, () -> c.pinPages(vgpu, 0, 1, DmaProt.WRITE, pfns));
        assertThat(c.pinPages(vgpu, 0, 1, DmaProt.READ, pfns)).isEqualTo(1);
        assertThat(c.state().pinReferences()).isEqualTo(1);
    }

    @Test
    void unregisterIsEbusyWhilePinnedEvenWhenAnotherMappingIsGone() {
        VfioIommuDriverOps c = passthroughPlusVgpu();
        List<Long> pinned = new ArrayList<>(List.of(0L));
        c.pinPages(vgpu, 0, 1, DmaProt.RW, new long[1]);
        r.unmap(c, 64 * KIB, RAM - 64 * KIB); // only the pinned page stays mapped
        assertErrno(Errno.EBUSY, () -> r.run(c, SpaprUnregisterMemory.of(V, RAM)));

        unpinningListener(c, pinned);
        r.unmap(c, 0, 64 * KIB);
        r.run(c, SpaprUnregisterMemory.of(V, RAM));
        assertThat(r.lockedVm()).isEqualTo(T0);
    }

    @Test
    void unmapOverAPinnedPageNotifiesTheVendorFirst() {
        VfioIommuDriverOps c = passthroughPlusVgpu();
        List<Long> pinned = new ArrayList<>(List.of(0x20000L));
        List<long[]> calls = unpinningListener(c, pinned);
        c.pinPages(vgpu, 0x20000, 1, DmaProt.RW, new long[1]);

        r.unmap(c, 0, MIB);

        assertThat(calls).hasSize(1);
        assertThat(calls.get(0)).containsExactly(0L, MIB);
        assertThat(c.state().pinReferences()).isZero();
        assertThat(r.g1Pe.dmaTranslate(0x20000)).isEqualTo(-1);
    }

    @Test
    void unmapElsewhereDoesNotNotify() {
        VfioIommuDriverOps c = passthroughPlusVgpu();
        List<long[]> calls = unpinningListener(c, new ArrayList<>(List.of(0L)));
        c.pinPages(vgpu, 0, 1, DmaProt.RW, new long[1]);
        r.unmap(c, MIB, MIB);
        assertThat(calls).isEmpty();
        assertThat(c.state().pinReferences()).isEqualTo(1);
    }

    @Test
    void removeOfAWindowWithPinsNotifiesTheWholeWindow() {
        VfioIommuDriverOps c = passthroughPlusVgpu();
        List<long[]> calls = unpinningListener(c, new ArrayList<>(List.of(0x30000L)));
        c.pinPages(vgpu, 0x30000, 1, DmaProt.RW, new long[1]);

        r.remove(c, 0);

        assertThat(calls).hasSize(1);
        assertThat(calls.get(0)).containsExactly(0L, 2 * GIB);
        assertThat(c.state().details()).containsEntry("windows", 0L);
        assertThat(r.lockedVm()).isEqualTo(RAM_PAGES);
    }

    @Test
    void replacingMapOverAPinnedPageNotifiesFirst() {
        VfioIommuDriverOps c = passthroughPlusVgpu();
        List<long[]> calls = unpinningListener(c, new ArrayList<>(List.of(0L)));
        c.pinPages(vgpu, 0, 1, DmaProt.RW, new long[1]);

        r.map(c, V + MIB, 0, 64 * KIB);

        assertThat(calls).hasSize(1);
        assertThat(calls.get(0)).containsExactly(0L, 64 * KIB);
        long[] pfn = new long[1];
        c.pinPages(vgpu, 0, 1, DmaProt.RW, pfn);
        assertThat(pfn[0]).isEqualTo(r.pfn(V + MIB));
    }

    @Test
    void aVendorThatNeverUnpinsEndsInAKernelBugAfterElevenNotifications() {
        VfioIommuDriverOps c = passthroughPlusVgpu();
        int[] notified = new int[1];
        c.registerDevice(vgpu, (iova, length) -> notified[0]++);
        c.pinPages(vgpu, 0, 1, DmaProt.RW, new long[1]);

        assertThatThrownBy(() -> r.unmap(c, 0, 64 * KIB)).isInstanceOf(KernelBugError.class);
        assertThat(notified[0]).isEqualTo(11);
    }

    @Test
    void detachOfTheHardwareGroupNotifiesThenClears() {
        VfioIommuDriverOps c = passthroughPlusVgpu();
        List<long[]> calls = unpinningListener(c, new ArrayList<>(List.of(0L)));
        c.pinPages(vgpu, 0, 1, DmaProt.RW, new long[1]);

        c.detachGroup(r.g1);

        assertThat(calls).hasSize(1);
        assertThat(c.state().mappings()).isZero();
        assertThat(c.state().pinReferences()).isZero();
    }

    @Test
    void detachOfTheMdevGroupWithPinsLeftReportsALeak() {
        VfioIommuDriverOps c = passthroughPlusVgpu();
        TestDriverContext.Events events = new TestDriverContext.Events();
        SpaprTceContainer raw = new SpaprTceContainer(r.host, true, true, events);
        raw.attachGroup(r.g2);
        raw.attachGroup(mdevGroup);
        r.register(raw, V, RAM); // shared with c
        r.map(raw, V, 0, MIB);
        raw.pinPages(vgpu, 0, 2, DmaProt.RW, new long[2]);
        long mappedBefore = r.region(V, RAM).mapped();

        raw.detachGroup(mdevGroup);

        assertThat(events.leaks).hasSize(1);
        assertThat(events.leaks.get(0).device()).isEqualTo(vgpu.name());
        assertThat(events.leaks.get(0).iovas()).containsExactly(0L, 64 * KIB);
        assertThat(r.region(V, RAM).mapped()).isEqualTo(mappedBefore - 2);
        assertThat(raw.state().pinReferences()).isZero();
        assertThat(c.state().mappings()).isEqualTo(RAM / (4 * KIB));
    }

    @Test
    void vgpuOnlyFlowWithExactAccountingAndData() {
        long start = r.lockedVm();
        VfioIommuDriverOps c = r.setIommu(IommuType.SPAPR_TCE_v2, true, mdevGroup);
        r.ram(V, RAM);
        r.register(c, V, RAM);
        r.map(c, V, 0, RAM); // the software endpoint's default window: 4 KiB pages, 2 GiB
        assertThat(r.lockedVm() - start).isEqualTo(RAM_PAGES + T0);

        List<Long> pinned = new ArrayList<>();
        unpinningListener(c, pinned);
        long[] pfns = new long[2];
        c.pinPages(vgpu, 0x40000, 2, DmaProt.RW, pfns);
        pinned.add(0x40000L);
        pinned.add(0x50000L);
        assertThat(r.lockedVm() - start).isEqualTo(RAM_PAGES + T0);

        byte[] hello = "guest wrote this".getBytes(StandardCharsets.US_ASCII);
        r.p.write(V + 0x40000 + 100, hello);
        byte[] seen = new byte[hello.length];
        r.host.memory().read((pfns[0] << 16) + 100, seen, 0, seen.length);
        assertThat(seen).isEqualTo(hello);

        byte[] reply = "vgpu wrote this".getBytes(StandardCharsets.US_ASCII);
        r.host.memory().write((pfns[1] << 16) + 7, reply, 0, reply.length);
        assertThat(r.p.read(V + 0x50000 + 7, reply.length)).isEqualTo(reply);

        r.unmap(c, 0, RAM);
        assertThat(pinned).isEmpty();
        c.detachGroup(mdevGroup);
        c.release();
        assertThat(r.lockedVm()).isEqualTo(start);
        assertThat(r.host.memory().totalPins()).isZero();
    }

    @Test
    void passthroughPlusVgpuFlowSeesTheSameMemory() {
        long start = r.lockedVm();
        VfioIommuDriverOps c = r.setIommu(IommuType.SPAPR_TCE_v2, true, r.g1, mdevGroup);
        r.ram(V, RAM);
        r.register(c, V, RAM);
        r.remove(c, 0); // QEMU drops the default window and creates its own
        long bus = r.create(c, 16, 64 * GIB, 1);
        assertThat(bus).isZero();
        r.map(c, V, bus, RAM);
        assertThat(r.lockedVm() - start).isEqualTo(RAM_PAGES + T64);

        long[] pfn = new long[1];
        c.pinPages(vgpu, bus + 0x70000, 1, DmaProt.RW, pfn);
        assertThat(r.lockedVm() - start).isEqualTo(RAM_PAGES + T64);
        // the passthrough device's DMA and the vGPU's pin reach the same frame
        assertThat(r.g1Pe.dmaTranslate(bus + 0x70000)).isEqualTo(pfn[0] << 16);
        byte[] data = {1, 2, 3, 4};
        r.host.memory().write(r.g1Pe.dmaTranslate(bus + 0x70010), data, 0, data.length);
        assertThat(r.p.read(V + 0x70010, 4)).isEqualTo(data);

        c.unpinPages(vgpu, bus + 0x70000, 1);
        c.detachGroup(mdevGroup);
        c.detachGroup(r.g1);
        c.release();
        assertThat(r.lockedVm()).isEqualTo(start);
        assertThat(r.host.memory().totalPins()).isZero();
    }
}
