package io.vfio4j.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.DirtyPages;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.mdev.MdevBus;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevTypeSpec;
import io.vfio4j.mdev.ScriptedDevice;
import io.vfio4j.mdev.ScriptedVendor;
import io.vfio4j.mdev.VendorBehaviour;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The model on the sequences of the kernel oracle's {@code mdev/dmarw.ops} and {@code
 * mdev/exit.ops} (kernel-oracle/src/main/resources/io/vfio4j/oracle/mdev/), asserting the answers
 * 6.1, 6.12 and 7.2 gave there ({@code dmarw.expected.md}, {@code exit.expected.md}): the same
 * IOVAs, buffer offsets and pages, one mdev of a ScriptedVendor in an emulated-only type1v2
 * container. Where the model differs (the pins a leaking driver leaves behind at exit) the test
 * asserts the model's documented answer, deviation T1-1.
 */
class MdevKernelCasesTest {
    private static final long BUF = 0x7f00_0000_0000L;
    private static final long M64K = 0x2000_0000L;
    private static final long NEXT = 0x2001_0000L;
    private static final long RO = 0x2010_0000L;
    private static final long K64 = 0x1_0000L;

    private SimHost host;
    private Vfio vfio;
    private SimProcess qemu;
    private SimAddressSpace mm;
    private VfioContainer c;
    private ScriptedDevice vendor;
    private VfioDevice dev;

    @BeforeEach
    void setUp() {
        host = Sys.x86(0);
        vfio = Sys.vfio(host);
    }

    @AfterEach
    void tearDown() {
        vfio.close();
    }

    /** dmarw.ops K's set-up: the three 64 KiB mappings of one 16 MiB buffer, device 0 open. */
    private void dmarwSetUp() {
        open(VendorBehaviour.WELL_BEHAVED, 16 * Sys.MiB);
        c.ioctl(qemu, MapDma.rw(BUF, M64K, K64));
        c.ioctl(qemu, MapDma.rw(BUF + 0x10_0000, NEXT, K64));
        c.ioctl(qemu, MapDma.of(BUF + 0x20_0000, RO, K64, MapDma.READ));
    }

    private void open(VendorBehaviour behaviour, long bufferBytes) {
        qemu = host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(1L << 30).build());
        qemu.mmap(RegionSpec.anonymous(BUF, bufferBytes));
        mm = qemu.simAddressSpace().orElseThrow();
        MdevBus bus = new MdevBus(vfio);
        MdevDevice mdev =
                bus.create(
                        bus.registerParent(
                                        "vtmdev",
                                        new ScriptedVendor(
                                                "vtmdev",
                                                host.pageSize(),
                                                Map.of("pin", behaviour)),
                                        List.of(new MdevTypeSpec("pin", "vtmdev pinning", 4)))
                                .requireType("vtmdev-pin"),
                        UUID.fromString("5f6d2a1e-0000-4000-8000-000000000001"));
        c = vfio.openContainer();
        mdev.group().setContainer(qemu, c);
        c.setIommu(IommuType.TYPE1v2);
        mdev.group().openDevice(mdev.group().devices().get(0).name());
        vendor = ScriptedVendor.of(mdev);
        dev = vendor.device();
    }

    private static byte[] pattern(int seed, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (1 + (seed * 31 + i * 7 + (i >> 8)) % 255);
        }
        return b;
    }

    private byte[] user(long vaddr, int len) {
        byte[] b = new byte[len];
        mm.read(vaddr, b, 0, len);
        return b;
    }

    private long bitmap(long iova) {
        return c.ioctl(qemu, DirtyPages.getBitmap(iova, K64, 4096)).bitmap().orElseThrow()[0];
    }

    @Test
    void dmaRwCopiesChunkByMappingAndPinsNothingAsTheKernelsDid() {
        dmarwSetUp();
        // w-in-one, r-in-one: buffer +0x100
        byte[] w = pattern(1, 0x100);
        dev.dmaRw(M64K + 0x100, w, 0, w.length, true);
        assertThat(user(BUF + 0x100, 0x100)).isEqualTo(w);
        mm.write(BUF + 0x100, pattern(2, 0x100), 0, 0x100);
        byte[] r = new byte[0x100];
        dev.dmaRw(M64K + 0x100, r, 0, r.length, false);
        assertThat(r).isEqualTo(pattern(2, 0x100));
        // w-two-maps: 16 bytes at buffer +0xfff0, 16 at buffer +0x100000 (m64k-next's own vaddr)
        byte[] two = pattern(3, 0x20);
        dev.dmaRw(M64K + 0xfff0, two, 0, 0x20, true);
        assertThat(user(BUF + 0xfff0, 16)).isEqualTo(Arrays.copyOf(two, 16));
        assertThat(user(BUF + 0x10_0000, 16)).isEqualTo(Arrays.copyOfRange(two, 16, 32));
        // w-both-whole: two chunks of 64 KiB
        byte[] whole = pattern(4, 0x2_0000);
        dev.dmaRw(M64K, whole, 0, whole.length, true);
        assertThat(user(BUF, 0x1_0000)).isEqualTo(Arrays.copyOf(whole, 0x1_0000));
        assertThat(user(BUF + 0x10_0000, 0x1_0000))
                .isEqualTo(Arrays.copyOfRange(whole, 0x1_0000, 0x2_0000));
        // w-unmapped, r-unmapped
        Sys.assertErrno(() -> dev.dmaRw(0x3000_0000L, new byte[16], 0, 16, true), Errno.EINVAL);
        Sys.assertErrno(() -> dev.dmaRw(0x3000_0000L, new byte[16], 0, 16, false), Errno.EINVAL);
        // w-past-end: the first chunk's 16 bytes are copied, then EINVAL (write=16/32)
        byte[] past = pattern(5, 0x20);
        mm.write(BUF + 0x10_fff0, new byte[16], 0, 16);
        Sys.assertErrno(() -> dev.dmaRw(NEXT + 0xfff0, past, 0, 0x20, true), Errno.EINVAL);
        assertThat(user(BUF + 0x10_fff0, 16)).isEqualTo(Arrays.copyOf(past, 16));
        // r-past-end: read=16/32
        byte[] got = new byte[0x20];
        Sys.assertErrno(() -> dev.dmaRw(NEXT + 0xfff0, got, 0, 0x20, false), Errno.EINVAL);
        assertThat(Arrays.copyOf(got, 16)).isEqualTo(Arrays.copyOf(past, 16));
        assertThat(Arrays.copyOfRange(got, 16, 32)).containsOnly(0);
        // w-ro: EPERM, nothing copied; r-ro: allowed
        mm.write(BUF + 0x20_0000, pattern(6, 16), 0, 16);
        Sys.assertErrno(() -> dev.dmaRw(RO, pattern(7, 16), 0, 16, true), Errno.EPERM);
        assertThat(user(BUF + 0x20_0000, 16)).isEqualTo(pattern(6, 16));
        byte[] ro = new byte[16];
        dev.dmaRw(RO, ro, 0, 16, false);
        assertThat(ro).isEqualTo(pattern(6, 16));
        // w-len0, r-len0
        Sys.assertErrno(() -> dev.dmaRw(M64K, new byte[1], 0, 0, true), Errno.EINVAL);
        Sys.assertErrno(() -> dev.dmaRw(M64K, new byte[1], 0, 0, false), Errno.EINVAL);
        // STATE after-rw: nothing pinned, charged or notified
        assertThat(mm.lockedVm()).isZero();
        assertThat(c.state().orElseThrow().pinReferences()).isZero();
        assertThat(vendor.held()).isEmpty();
        assertThat(vendor.notifications()).isEmpty();
    }

    @Test
    void aDmaRwWriteIsReportedDirtyOnceAndPinsStayDirtyAsTheKernelsDid() {
        dmarwSetUp();
        assertThat(vendor.pin(M64K, 2, DmaProt.RW)).isEqualTo(2); // p2
        assertThat(mm.lockedVm()).isEqualTo(2);
        c.ioctl(qemu, DirtyPages.start());
        assertThat(bitmap(M64K)).isEqualTo(0x3L); // d-start
        dev.dmaRw(M64K + 0x3ff0, new byte[0x20], 0, 0x20, true); // w-dirty: pages 3, 4
        dev.dmaRw(M64K + 0x8000, new byte[0x10], 0, 0x10, false); // r-clean
        assertThat(bitmap(M64K)).isEqualTo(0x1bL); // d-after-rw
        assertThat(bitmap(M64K)).isEqualTo(0x3L); // d-again
        dev.dmaRw(M64K + 0xfff0, new byte[0x20], 0, 0x20, true); // w-dirty-two
        assertThat(bitmap(M64K)).isEqualTo(0x8003L); // d-first
        assertThat(bitmap(NEXT)).isEqualTo(0x1L); // d-next
        Sys.assertErrno(() -> dev.dmaRw(RO, new byte[16], 0, 16, true), Errno.EPERM);
        Sys.assertErrno(() -> dev.dmaRw(NEXT + 0xfff0, new byte[32], 0, 32, true), Errno.EINVAL);
        assertThat(bitmap(RO)).isZero(); // d-ro
        assertThat(bitmap(NEXT)).isEqualTo(0x8000L); // d-next-again: the copied chunk's page
        c.ioctl(qemu, DirtyPages.stop());
        dev.dmaRw(M64K + 0x5000, new byte[16], 0, 16, true); // w-stopped
        c.ioctl(qemu, DirtyPages.start());
        assertThat(bitmap(M64K)).isEqualTo(0x3L); // d-restart
        c.ioctl(qemu, DirtyPages.stop());
        vendor.unpin(M64K, 2); // u2
        assertThat(mm.lockedVm()).isZero();
        assertThat(c.ioctl(qemu, UnmapDma.all()).unmappedBytes()).isEqualTo(3 * K64);
        assertThat(vendor.notifications()).isEmpty();
    }

    /**
     * exit.ops M: the process exits with 3 pins of a well-behaved driver, then its files are
     * released (the model's {@code Vfio.close()} runs the kernel's release order): the driver
     * unpins at close, the un-charge of the dead address space is skipped, nothing is left and no
     * dma_unmap is sent.
     */
    @Test
    void aWellBehavedDriverUnpinsAtTheExitingProcessesCloseAsTheKernelsDid() {
        open(VendorBehaviour.WELL_BEHAVED, Sys.MiB);
        c.ioctl(qemu, MapDma.rw(BUF, 0x1000_0000L, Sys.MiB));
        assertThat(vendor.pin(0x1000_0000L, 3, DmaProt.RW)).isEqualTo(3);
        assertThat(mm.lockedVm()).isEqualTo(3); // EXIT well-behaved … locked=12
        qemu.exit();
        vfio.close();
        assertThat(vendor.held()).isEmpty();
        assertThat(vendor.notifications()).isEmpty();
        assertThat(host.memory().totalPins()).isZero();
        assertThat(vfio.vendorLeaks()).isEmpty();
        assertThat(vfio.warnings()).isEmpty();
        // the kernel's vfio_lock_acct finds no users and skips the un-charge (the mm is freed)
        assertThat(mm.isAlive()).isFalse();
        assertThat(mm.lockedVm()).isEqualTo(3);
        assertThat(mm.underflows()).isZero();
    }

    /**
     * exit.ops N: a leaks-on-close driver's 6 pins at the process's exit. The kernels WARN in
     * vfio_remove_dma and keep the 6 pages pinned for good; the model releases and reports them
     * (deviation T1-1); the dead address space is not un-charged either way.
     */
    @Test
    void aLeakingDriversPinsAtExitAreReleasedAndReportedByTheModel() {
        open(VendorBehaviour.LEAKS_ON_CLOSE, Sys.MiB);
        c.ioctl(qemu, MapDma.rw(BUF, 0x1000_0000L, Sys.MiB));
        assertThat(vendor.pin(0x1000_0000L, 6, DmaProt.RW)).isEqualTo(6);
        assertThat(mm.lockedVm()).isEqualTo(6); // EXIT leaks-on-close … locked=24
        qemu.exit();
        vfio.close();
        assertThat(vendor.notifications()).isEmpty();
        assertThat(vfio.vendorLeaks())
                .singleElement()
                .satisfies(
                        l -> {
                            assertThat(l.backend()).isEqualTo("type1");
                            assertThat(l.references()).isEqualTo(6);
                            assertThat(l.iovas())
                                    .containsExactly(
                                            0x1000_0000L,
                                            0x1000_1000L,
                                            0x1000_2000L,
                                            0x1000_3000L,
                                            0x1000_4000L,
                                            0x1000_5000L);
                        });
        assertThat(host.memory().totalPins()).isZero();
        assertThat(mm.lockedVm()).isEqualTo(6);
    }
}
