package io.vfio4j.system;

import static io.vfio4j.system.Sys.MiB;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.MapDma;
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
import io.vfio4j.type1.Type1Provider;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@code InvariantChecker.check()} may be called at any time: it waits for the operations running
 * on other threads to end and holds new ones off, so it never sees one half done.
 */
class InvariantCheckerConcurrencyTest {
    private static final long RAM = 0x10_0000_0000L;

    @Test
    void checkDuringOperationsNeverReportsAFalseViolation() throws Exception {
        SimHost host = Sys.x86(0);
        Vfio vfio = Sys.vfio(host);
        SimProcess qemu =
                host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(1L << 30).build());
        qemu.mmap(RegionSpec.anonymous(RAM, 64 * MiB));
        VfioContainer c = vfio.openContainer();
        TestVendor vendor = new TestVendor(host.pageSize());
        VfioGroup g = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu", vendor);
        g.setContainer(qemu, c);
        c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        g.openDevice("vgpu");
        c.ioctl(qemu, MapDma.rw(RAM, 0, 32 * MiB));

        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicLong operations = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        // A vendor pinning and unpinning 512-page runs, and the VMM mapping and unmapping
        // another range (whose unmap notifies the vendor).
        workers.add(
                worker(
                        stop,
                        failures,
                        () -> {
                            vendor.pin(0, 512, DmaProt.RW);
                            vendor.unpinAll();
                            operations.incrementAndGet();
                        }));
        workers.add(
                worker(
                        stop,
                        failures,
                        () -> {
                            c.ioctl(qemu, MapDma.rw(RAM + 32 * MiB, 32 * MiB, 8 * MiB));
                            vendor.pin(32 * MiB, 64, DmaProt.RW);
                            c.ioctl(qemu, UnmapDma.of(32 * MiB, 8 * MiB));
                            operations.incrementAndGet();
                        }));
        workers.forEach(Thread::start);
        long checks = 0;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
        try {
            while (System.nanoTime() < deadline) {
                assertThat(vfio.invariants().check()).isEmpty();
                checks++;
            }
        } finally {
            stop.set(true);
            for (Thread t : workers) {
                t.join(TimeUnit.SECONDS.toMillis(20));
                assertThat(t.isAlive())
                        .as("stuck:%n%s", ConcurrencyStressTest.threadDump())
                        .isFalse();
            }
        }
        assertThat(failures).isEmpty();
        assertThat(checks).isPositive();
        assertThat(operations.get()).isPositive();
        assertThat(vfio.invariants().check()).isEmpty();
    }

    @Test
    void checkInsideAnOperationIsRefused() {
        SimHost host = Sys.x86(0);
        Vfio vfio = Sys.vfio(host);
        SimProcess qemu =
                host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(1L << 30).build());
        qemu.mmap(RegionSpec.anonymous(RAM, 4 * MiB));
        VfioContainer c = vfio.openContainer();
        AtomicReference<Throwable> seen = new AtomicReference<>();
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
                                (iova, length) -> {
                                    dev.get().unpinPages(iova, 1);
                                    try {
                                        vfio.invariants().check();
                                    } catch (IllegalStateException e) {
                                        seen.set(e);
                                    }
                                });
                    }
                };
        VfioGroup g = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu", vendor);
        g.setContainer(qemu, c);
        c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        g.openDevice("vgpu");
        c.ioctl(qemu, MapDma.rw(RAM, 0, 4 * MiB));
        dev.get().pinPages(0, 1, DmaProt.RW, new long[1]); // an unmap notifies only pinners
        c.ioctl(qemu, UnmapDma.of(0, 4 * MiB));
        assertThat(seen.get())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot run inside an operation");
    }

    private static Thread worker(AtomicBoolean stop, List<Throwable> failures, Runnable step) {
        Thread t =
                new Thread(
                        () -> {
                            try {
                                while (!stop.get()) {
                                    step.run();
                                }
                            } catch (Throwable e) {
                                failures.add(e);
                            }
                        });
        t.setDaemon(true);
        return t;
    }
}
