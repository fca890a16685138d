package io.vfio4j.mdev;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.core.VfioDevice;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A vendor driver for tests: each device has a 256-byte register file, pins {@code pinPages} pages
 * from {@code pinIova} on open (if it pins at all), releases what a DMA unmap names, and at close
 * releases everything except {@code leakPages} pages. Every callback is logged in {@link #calls}.
 */
final class TestVendor implements MdevVendorDriver {
    static final int REGION = 256;

    final List<String> calls = new CopyOnWriteArrayList<>();
    final long pageSize;
    volatile boolean pins = true;
    volatile long pinIova;
    volatile int pinPages;
    volatile int leakPages;
    volatile boolean refuseCreate;
    volatile boolean refuseOpen;
    volatile Device lastDevice;

    TestVendor(long pageSize) {
        this.pageSize = pageSize;
    }

    @Override
    public String name() {
        return "tvgpu";
    }

    @Override
    public MdevDeviceOps create(MdevDevice device) {
        calls.add("create " + device.name());
        if (refuseCreate) {
            throw VfioException.of(Errno.ENOSPC, "test vendor refuses %s", device.name());
        }
        Device d = new Device(device.name(), pins);
        lastDevice = d;
        return d;
    }

    final class Device implements MdevDeviceOps {
        final String name;
        final boolean pinning;
        final byte[] registers = new byte[REGION];
        volatile PinnedPages pinned;

        Device(String name, boolean pinning) {
            this.name = name;
            this.pinning = pinning;
        }

        @Override
        public boolean pinsPages() {
            return pinning;
        }

        @Override
        public void open(VfioDevice device) {
            calls.add("open " + name);
            if (refuseOpen) {
                throw VfioException.of(Errno.ENXIO, "test vendor refuses to open");
            }
            if (pinning) {
                pinned = new PinnedPages(device, pageSize);
                if (pinPages > 0) {
                    pinned.pinRange(pinIova, pinPages, DmaProt.RW);
                }
            }
        }

        @Override
        public void close(VfioDevice device) {
            calls.add("close " + name);
            if (pinned != null) {
                long[] iovas = pinned.iovas();
                long keepFrom = iovas.length - Math.min(leakPages, iovas.length);
                for (int i = 0; i < keepFrom; i++) {
                    pinned.releaseRange(iovas[i], pageSize);
                }
                pinned = null;
            }
        }

        @Override
        public void dmaUnmap(long iova, long length) {
            calls.add("dmaUnmap " + name);
            PinnedPages p = pinned;
            if (p != null) {
                p.releaseRange(iova, length);
            }
        }

        @Override
        public long regionSize() {
            return REGION;
        }

        @Override
        public byte[] read(long offset, int length) {
            return Arrays.copyOfRange(registers, (int) offset, (int) offset + length);
        }

        @Override
        public void write(long offset, byte[] data) {
            System.arraycopy(data, 0, registers, (int) offset, data.length);
        }

        @Override
        public void remove() {
            calls.add("remove " + name);
        }
    }
}
