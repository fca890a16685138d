package io.vfio4j.system;

import io.vfio4j.api.DmaProt;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevDeviceOps;
import io.vfio4j.mdev.MdevVendorDriver;
import io.vfio4j.mdev.PinnedPages;

/**
 * A vGPU-like vendor driver on the mdev SPI: each device pins its "framebuffer" ({@code pages}
 * pages from {@code iova}) when it is opened, releases it from the DMA-unmap callback and on close.
 * Used where a pin inside {@code open} must be undone when the open fails.
 */
final class SweepVendor implements MdevVendorDriver {
    private final long iova;
    private final int pages;
    private final long pageSize;

    SweepVendor(long iova, int pages, long pageSize) {
        this.iova = iova;
        this.pages = pages;
        this.pageSize = pageSize;
    }

    @Override
    public String name() {
        return "sweepgpu";
    }

    @Override
    public MdevDeviceOps create(MdevDevice device) {
        return new MdevDeviceOps() {
            private volatile PinnedPages pinned;

            @Override
            public boolean pinsPages() {
                return true;
            }

            @Override
            public void open(VfioDevice d) {
                PinnedPages p = new PinnedPages(d, pageSize);
                try {
                    p.pinRange(iova, pages, DmaProt.RW);
                } catch (RuntimeException e) {
                    p.releaseAll(); // earlier calls of the range stay pinned: undo them
                    throw e;
                }
                pinned = p;
            }

            @Override
            public void close(VfioDevice d) {
                PinnedPages p = pinned;
                if (p != null) {
                    p.releaseAll();
                }
                pinned = null;
            }

            @Override
            public void dmaUnmap(long from, long length) {
                PinnedPages p = pinned;
                if (p != null) {
                    p.releaseRange(from, length);
                }
            }

            @Override
            public long regionSize() {
                return 4096;
            }

            @Override
            public byte[] read(long offset, int length) {
                return new byte[length];
            }

            @Override
            public void write(long offset, byte[] data) {}
        };
    }
}
