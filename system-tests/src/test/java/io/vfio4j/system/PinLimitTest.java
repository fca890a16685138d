package io.vfio4j.system;

import static io.vfio4j.system.Sys.MiB;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
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
import org.junit.jupiter.api.Test;

/**
 * One pin or unpin call names at most {@code PAGE_SIZE / 8} pages (include/linux/vfio.h {@code
 * VFIO_PIN_PAGES_MAX_ENTRIES}; vfio_main.c {@code vfio_pin_pages} answers E2BIG above it, {@code
 * vfio_unpin_pages} WARNs and does nothing): the host's page size decides, not a 4 KiB constant.
 * Every kernel WARN the model hits is counted in {@link Vfio#warnings()}.
 */
class PinLimitTest {
    private static final long RAM = 0x10_0000_0000L;

    private Vfio vfio;
    private SimHost host;
    private SimAddressSpace mm;
    private VfioDevice device;

    /** A type1v2 container with no IOMMU domain, RAM mapped at IOVA 0, one open vendor device. */
    private void system(long pageSize, long ramBytes) {
        host = SimHost.builder().pageSize(pageSize).build();
        vfio = Sys.vfio(host);
        SimProcess qemu =
                host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(1L << 40).build());
        qemu.mmap(RegionSpec.anonymous(RAM, ramBytes));
        mm = qemu.simAddressSpace().orElseThrow();
        VfioContainer c = vfio.openContainer();
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
        c.ioctl(qemu, MapDma.rw(RAM, 0, ramBytes));
    }

    @Test
    void on64KiBPagesACallTakes8192PagesAndA1000PageUnpinWorks() {
        system(65536, 1024 * MiB);
        assertThat(device.maxPinPages()).isEqualTo(8192);
        long[] pfns = new long[8193];
        assertThat(device.pinPages(0, 8192, DmaProt.RW, pfns)).isEqualTo(8192);
        assertThat(mm.lockedVm()).isEqualTo(8192);
        assertThat(host.memory().totalPins()).isEqualTo(8192);

        Sys.assertErrno(() -> device.pinPages(0, 8193, DmaProt.RW, pfns), Errno.E2BIG);
        assertThat(mm.lockedVm()).isEqualTo(8192);

        device.unpinPages(0, 1000);
        assertThat(mm.lockedVm()).isEqualTo(7192);
        assertThat(host.memory().totalPins()).isEqualTo(7192);
        device.unpinPages(1000L * 65536, 7192);
        assertThat(mm.lockedVm()).isZero();
        assertThat(host.memory().totalPins()).isZero();
        assertThat(vfio.warnings()).isEmpty();
        assertThat(vfio.invariants().check()).isEmpty();
    }

    @Test
    void on4KiBPages513PagesIsE2bigAndA513PageUnpinIsACountedWarn() {
        system(4096, 16 * MiB);
        assertThat(device.maxPinPages()).isEqualTo(512);
        long[] pfns = new long[513];
        Sys.assertErrno(() -> device.pinPages(0, 513, DmaProt.RW, pfns), Errno.E2BIG);
        assertThat(mm.lockedVm()).isZero();
        assertThat(device.pinPages(0, 512, DmaProt.RW, pfns)).isEqualTo(512);

        device.unpinPages(0, 513);
        assertThat(mm.lockedVm()).isEqualTo(512);
        assertThat(vfio.warnings())
                .singleElement()
                .asString()
                .contains("unpin by vgpu ignored")
                .contains("npage=513");
        device.unpinPages(0, 512);
        assertThat(mm.lockedVm()).isZero();
        assertThat(vfio.warnings()).hasSize(1);
    }

    @Test
    void aBackendWarnIsCountedInWarnings() {
        system(65536, 64 * MiB);
        long last = 64 * MiB - 4 * 65536;
        device.pinPages(last, 4, DmaProt.RW, new long[4]);
        // vfio_iommu_type1_unpin_pages: the walk stops at the first unmapped page, then
        // WARN_ON(i != npage).
        device.unpinPages(last, 10);
        assertThat(mm.lockedVm()).isZero();
        assertThat(vfio.warnings())
                .singleElement()
                .asString()
                .isEqualTo(
                        "unpin by vgpu from 0x3fc0000: only 4 of 10 pages handled, 0x4000000 is"
                                + " not mapped");
    }

    @Test
    void aHostWarnIsCountedInWarnings() {
        system(4096, 16 * MiB);
        mm.uncharge(1); // mm/util.c __account_locked_vm: WARN_ON_ONCE(pages > locked_vm)
        mm.charge(1, Long.MAX_VALUE, true);
        assertThat(vfio.warnings())
                .singleElement()
                .asString()
                .startsWith("locked_vm underflow in address space");
    }
}
