package io.vfio4j.system;

import static io.vfio4j.system.Sys.MiB;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.SpaprTceCreate;
import io.vfio4j.api.command.SpaprTceRemove;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioDeviceDriver;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.spapr.SpaprTceProvider;
import io.vfio4j.type1.Type1Provider;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The bugs the system tests found, each pinned down by a deterministic test. */
class RegressionTest {
    static final long RAM = 0x10_0000_0000L;

    /**
     * vfio-core: a pin took the container's group lock shared. A vendor holding its own lock across
     * a pin (GVT-g) deadlocked with its DMA-unmap callback (waiting for that lock under an UNMAP
     * holding the group lock shared) as soon as an attach queued for the group lock: the pin's
     * shared acquire waited behind the queued writer. The kernel's pin takes no group lock.
     */
    @Test
    void aPinDoesNotWaitBehindAQueuedAttachWhileAnUnmapNotifies() throws Exception {
        SimHost host = Sys.x86(2);
        Vfio vfio = Sys.vfio(host);
        SimProcess qemu =
                host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(1L << 30).build());
        qemu.mmap(RegionSpec.anonymous(RAM, 16 * MiB));
        VfioContainer c = vfio.openContainer();
        Object vendorLock = new Object();
        CountDownLatch inCallback = new CountDownLatch(1);
        AtomicReference<VfioDevice> dev = new AtomicReference<>();
        VfioDeviceDriver vendor =
                new VfioDeviceDriver() {
                    @Override
                    public void open(VfioDevice d) {
                        dev.set(d);
                    }

                    @Override
                    public Optional<DmaUnmapListener> dmaUnmapListener() {
                        return Optional.of(
                                (iova, len) -> {
                                    inCallback.countDown();
                                    synchronized (vendorLock) {
                                        dev.get().unpinPages(0x1000, 1);
                                        dev.get().unpinPages(0x400000, 1);
                                    }
                                });
                    }
                };
        VfioGroup g = vfio.createVirtualGroup(GroupKind.EMULATED, "gvt", vendor);
        g.setContainer(qemu, c);
        c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        g.openDevice("gvt");
        c.ioctl(qemu, MapDma.rw(RAM, 0, 4 * MiB));
        c.ioctl(qemu, MapDma.rw(RAM + 4 * MiB, 0x400000, 4 * MiB));
        dev.get().pinPages(0x1000, 1, DmaProt.RW, new long[1]);

        CountDownLatch vendorHolds = new CountDownLatch(1);
        Thread vendorThread =
                new Thread(
                        () -> {
                            synchronized (vendorLock) {
                                vendorHolds.countDown();
                                await(inCallback);
                                sleep(200); // let the attach queue for the group lock
                                dev.get().pinPages(0x400000, 1, DmaProt.RW, new long[1]);
                            }
                        });
        Thread unmapThread = new Thread(() -> c.ioctl(qemu, UnmapDma.of(0, 4 * MiB)));
        Thread attachThread =
                new Thread(
                        () -> {
                            await(inCallback);
                            vfio.group(1).setContainer(qemu, c);
                        });
        for (Thread t : new Thread[] {vendorThread, unmapThread, attachThread}) {
            t.setDaemon(true); // a deadlocked thread must not keep the JVM alive
        }
        vendorThread.start();
        await(vendorHolds);
        unmapThread.start();
        attachThread.start();
        for (Thread t : new Thread[] {vendorThread, unmapThread, attachThread}) {
            t.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(t.isAlive())
                    .as("deadlock:%n%s", ConcurrencyStressTest.threadDump())
                    .isFalse();
        }
        assertThat(c.groups()).hasSize(2);
        assertThat(c.state().orElseThrow().mappings()).isEqualTo(1);
        assertThat(vfio.invariants().check()).isEmpty();
    }

    private static void await(CountDownLatch l) {
        try {
            assertThat(l.await(20, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * backend-spapr-tce: a region registered by one container and mapped by another container of
     * the same process stays pinned and charged when the first container is released (the kernel
     * keeps it until its last TCE goes); nobody reported it to the audit, so the invariant checker
     * failed the release.
     */
    @Test
    void aRegionKeptAliveOnlyByAnotherContainersTcesIsStillAccounted() {
        SimHost host = Sys.power(2);
        Vfio vfio = Sys.vfio(host);
        SimProcess qemu =
                host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(1L << 30).build());
        qemu.mmap(RegionSpec.anonymous(RAM, 64 * MiB));
        VfioContainer registers = vfio.openContainer();
        VfioContainer maps = vfio.openContainer();
        vfio.group(1).setContainer(qemu, registers);
        registers.setIommu(SpaprTceProvider.NAME, IommuType.SPAPR_TCE_v2);
        vfio.group(2).setContainer(qemu, maps);
        maps.setIommu(SpaprTceProvider.NAME, IommuType.SPAPR_TCE_v2);
        registers.ioctl(qemu, SpaprRegisterMemory.of(RAM, 16 * MiB));
        maps.ioctl(qemu, SpaprRegisterMemory.of(RAM + 32 * MiB, MiB)); // enables MAP
        maps.ioctl(qemu, SpaprTceRemove.of(0));
        long start = maps.ioctl(qemu, SpaprTceCreate.of(16, 1L << 30, 1));
        maps.ioctl(qemu, MapDma.rw(RAM, start, MiB)); // through the other container's region
        long tables = 4;
        assertThat(qemu.simAddressSpace().orElseThrow().lockedVm()).isEqualTo(256 + 16 + tables);

        vfio.group(1).unsetContainer(); // releases the registering container
        assertThat(qemu.simAddressSpace().orElseThrow().lockedVm())
                .as("the region stays while TCEs map into it")
                .isEqualTo(256 + 16 + tables);
        assertThat(vfio.invariants().check()).isEmpty();

        maps.ioctl(qemu, UnmapDma.of(start, MiB)); // its last TCE: the region goes
        assertThat(qemu.simAddressSpace().orElseThrow().lockedVm()).isEqualTo(16 + tables);
        assertThat(host.memory().totalPins()).isEqualTo(16);
        assertThat(vfio.invariants().check()).isEmpty();
    }

    /**
     * backend-spapr-tce (external pinning): a MAP over a pinned entry told the vendors to unpin
     * before it checked that the new user address was registered memory; the refused MAP had
     * dropped the vendor's pins.
     */
    @Test
    void aRefusedMapOverAPinnedEntryDoesNotMakeTheVendorUnpin() {
        SimHost host = Sys.power(1);
        Vfio vfio = Sys.vfio(host, "vfio4j.backend.spapr-tce.external-pinning", "true");
        SimProcess qemu =
                host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(1L << 30).build());
        qemu.mmap(RegionSpec.anonymous(RAM, 64 * MiB));
        VfioContainer c = vfio.openContainer();
        vfio.group(1).setContainer(qemu, c);
        c.setIommu(SpaprTceProvider.NAME, IommuType.SPAPR_TCE_v2);
        c.ioctl(qemu, SpaprRegisterMemory.of(RAM, 16 * MiB));
        long start = c.ioctl(qemu, SpaprTceCreate.of(16, 1L << 30, 1));
        c.ioctl(qemu, MapDma.rw(RAM, start, MiB));
        TestVendor v = new TestVendor(host.pageSize());
        VfioGroup g = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu", v);
        g.setContainer(qemu, c);
        g.openDevice("vgpu");
        v.pin(start, 1, DmaProt.RW);
        SystemSnapshot before = SystemSnapshot.of(vfio);
        Sys.assertErrno(
                () -> c.ioctl(qemu, MapDma.rw(RAM + 32 * MiB, start, MiB)),
                io.vfio4j.api.Errno.EINVAL);
        assertThat(v.notifications()).isZero();
        assertThat(v.pinnedIovas()).containsExactly(start);
        assertThat(SystemSnapshot.of(vfio)).isEqualTo(before);
    }
}
