package io.vfio4j.system;

import static io.vfio4j.system.Sys.MiB;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.DirtyPages;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioDeviceDriver;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.type1.Type1Provider;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * docs/deviations.md T1-9: a pin refused midway keeps the dirty state the kernel keeps.
 * vfio_iommu_type1_pin_pages sets a page's bit in the dirty bitmap as it pins it, and its unwind
 * (vfio_unpin_page_external, put_pfn with the mapping's prot) neither clears the bit nor unpins
 * clean: the writable frames come back dirty. Everything else is as before the call.
 */
class DirtyUnwindTest {
    private static final long RAM = 0x10_0000_0000L;

    private Vfio vfio;
    private SimHost host;
    private SimProcess qemu;
    private SimAddressSpace mm;
    private VfioContainer c;
    private VfioDevice device;

    @BeforeEach
    void setUp() {
        host = SimHost.builder().build();
        vfio = Sys.vfio(host);
        qemu = host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(64 * MiB).build());
        qemu.mmap(RegionSpec.anonymous(RAM, 4 * MiB));
        mm = qemu.simAddressSpace().orElseThrow();
        c = vfio.openContainer();
        VfioDeviceDriver vendor =
                new VfioDeviceDriver() {
                    @Override
                    public void open(VfioDevice d) {
                        device = d;
                    }

                    @Override
                    public Optional<DmaUnmapListener> dmaUnmapListener() {
                        return Optional.of((iova, length) -> {});
                    }
                };
        VfioGroup g = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu", vendor);
        g.setContainer(qemu, c);
        c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        g.openDevice("vgpu");
        c.ioctl(qemu, MapDma.rw(RAM, 0, MiB)); // 256 pages at IOVA 0; nothing above
        c.ioctl(qemu, DirtyPages.start());
    }

    @Test
    void aPinRefusedMidwayKeepsTheBitmapBitsAndDirtyFramesOfThePagesItUnwound() {
        SystemSnapshot before = SystemSnapshot.of(vfio);
        // Pages 252..255 are mapped and get pinned; page 256 is not mapped: EINVAL, unwind.
        Sys.assertErrno(
                () -> device.pinPages(252 * 4096L, 8, DmaProt.RW, new long[8]), Errno.EINVAL);
        SystemSnapshot after = SystemSnapshot.of(vfio);

        assertThat(before.onlyDirtyGrewTo(after)).as(before.diff(after)).isTrue();
        assertThat(after.dirtyFrames() - before.dirtyFrames()).isEqualTo(4);
        assertThat(after.containers().get(0).state().orElseThrow().details())
                .containsEntry("dirtyBits", 4L);
        assertThat(mm.lockedVm()).isZero();
        assertThat(host.memory().totalPins()).isZero();
        long[] bitmap = c.ioctl(qemu, DirtyPages.getBitmap(0, MiB, 4096)).bitmap().orElseThrow();
        assertThat(bitmap[3]).isEqualTo(0xfL << 60); // bits 252..255
        assertThat(bitmap[0] | bitmap[1] | bitmap[2]).isZero();
    }

    @Test
    void aPinRefusedBeforeItPinsAnythingLeavesTheDirtyStateAsItWas() {
        SystemSnapshot before = SystemSnapshot.of(vfio);
        Sys.assertErrno(
                () -> device.pinPages(256 * 4096L, 1, DmaProt.RW, new long[1]), Errno.EINVAL);
        Sys.assertErrno(() -> device.pinPages(0, 513, DmaProt.RW, new long[513]), Errno.E2BIG);
        assertThat(SystemSnapshot.of(vfio)).isEqualTo(before);
    }
}
