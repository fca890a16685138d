package io.vfio4j.examples.drivers;

import static io.vfio4j.examples.drivers.VgpuRegisters.*;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.VfioException;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.host.SimPhysicalMemory;
import io.vfio4j.mdev.MdevDeviceOps;
import io.vfio4j.mdev.PinnedPages;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The emulation of one sample vGPU (see {@link VgpuRegisters}). It pins its framebuffer and command
 * ring through the vfio core when the guest enables it, then does DMA directly on the host frames
 * it pinned (as a GPU's command processor would), releases pins the guest unmaps, and releases
 * everything at close, except that a leaky instance deliberately keeps its last {@code leakPages}
 * pages (a vendor bug, for tests).
 */
public final class VgpuDevice implements MdevDeviceOps {
    private static final Logger LOG = LoggerFactory.getLogger(VgpuDevice.class);

    private final String name;
    private final SimPhysicalMemory memory;
    private final long pageSize;
    private final int leakPages;
    private final ByteBuffer regs = ByteBuffer.allocate(REGION_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private PinnedPages pins;
    private long unmapNotifications;

    VgpuDevice(String name, SimPhysicalMemory memory, long pageSize, int leakPages) {
        this.name = name;
        this.memory = memory;
        this.pageSize = pageSize;
        this.leakPages = leakPages;
    }

    @Override
    public boolean pinsPages() {
        return true;
    }

    @Override
    public synchronized void open(VfioDevice device) {
        pins = new PinnedPages(device, pageSize);
        regs.putInt(STATUS, STATUS_IDLE).putInt(ERRNO, 0).putInt(COMPLETED, 0);
    }

    @Override
    public synchronized void close(VfioDevice device) {
        if (leakPages > 0) {
            long[] held = pins.iovas();
            for (int i = 0; i < held.length - leakPages; i++) {
                pins.releaseRange(held[i], pageSize);
            }
            LOG.warn(
                    "vgpu {}: closing with {} pages still pinned (deliberate leak)",
                    name,
                    pins.pageCount());
        } else {
            pins.releaseAll();
        }
        pins = null;
        regs.putInt(STATUS, STATUS_IDLE);
    }

    @Override
    public synchronized void dmaUnmap(long iova, long length) {
        unmapNotifications++;
        if (pins == null) {
            return;
        }
        long dropped = pins.releaseRange(iova, length);
        if (dropped > 0 && regs.getInt(STATUS) == STATUS_RUNNING) {
            regs.putInt(STATUS, STATUS_UNMAPPED);
        }
        LOG.debug(
                "vgpu {}: DMA unmap [0x{}, +0x{}) dropped {} references",
                name,
                Long.toHexString(iova),
                Long.toHexString(length),
                dropped);
    }

    @Override
    public long regionSize() {
        return REGION_SIZE;
    }

    @Override
    public synchronized byte[] read(long offset, int length) {
        regs.putLong(PINNED_PAGES, pins == null ? 0 : pins.pageCount());
        regs.putInt(ID, DEVICE_ID);
        byte[] out = new byte[length];
        regs.get((int) offset, out);
        return out;
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        int status = regs.getInt(STATUS);
        int errno = regs.getInt(ERRNO);
        int completed = regs.getInt(COMPLETED);
        regs.put((int) offset, data);
        // Read-only registers keep their values.
        regs.putInt(STATUS, status).putInt(ERRNO, errno).putInt(COMPLETED, completed);
        if (touches(offset, data.length, CONTROL)) {
            control(regs.getInt(CONTROL));
        }
        if (touches(offset, data.length, DOORBELL)) {
            doorbell(regs.getInt(DOORBELL));
        }
    }

    /** DMA-unmap callbacks received so far. */
    public synchronized long unmapNotifications() {
        return unmapNotifications;
    }

    /** The vGPU emulation behind {@code mdev}. */
    public static VgpuDevice of(io.vfio4j.mdev.MdevDevice mdev) {
        return (VgpuDevice) mdev.ops();
    }

    /** The device's pin record while open (tools and tests pin or unpin extra pages with it). */
    public synchronized PinnedPages pins() {
        if (pins == null) {
            throw new IllegalStateException("vgpu " + name + " is not open");
        }
        return pins;
    }

    private static boolean touches(long offset, int length, int register) {
        return offset <= register && register < offset + length;
    }

    private void control(int value) {
        if (value == 0) {
            pins.releaseAll();
            regs.putInt(STATUS, STATUS_IDLE);
            return;
        }
        try {
            pins.pinRange(regs.getLong(FB_IOVA), regs.getInt(FB_PAGES) & 0xFFFF_FFFFL, DmaProt.RW);
            pins.pinRange(
                    regs.getLong(RING_IOVA), regs.getInt(RING_PAGES) & 0xFFFF_FFFFL, DmaProt.RW);
            regs.putInt(STATUS, STATUS_RUNNING).putInt(ERRNO, 0);
        } catch (VfioException e) {
            // Pins made before the failing call stay until the guest disables the device.
            regs.putInt(STATUS, STATUS_PIN_FAILED).putInt(ERRNO, e.errno().number());
            LOG.info("vgpu {}: enable failed: {}", name, e.getMessage());
        }
    }

    private void doorbell(int ringOffset) {
        if (regs.getInt(STATUS) != STATUS_RUNNING) {
            return;
        }
        long ring = regs.getLong(RING_IOVA);
        long ringBytes = (regs.getInt(RING_PAGES) & 0xFFFF_FFFFL) * pageSize;
        long fb = regs.getLong(FB_IOVA);
        long fbBytes = (regs.getInt(FB_PAGES) & 0xFFFF_FFFFL) * pageSize;
        ByteBuffer header =
                ByteBuffer.wrap(new byte[COMMAND_HEADER]).order(ByteOrder.LITTLE_ENDIAN);
        if (ringOffset < 0
                || ringOffset + COMMAND_HEADER > ringBytes
                || !dma(ring + ringOffset, header.array(), false)) {
            fail(
                    ringOffset < 0 || ringOffset + COMMAND_HEADER > ringBytes
                            ? STATUS_BAD_COMMAND
                            : STATUS_DMA_FAULT);
            return;
        }
        int op = header.getInt(0);
        int length = header.getInt(4);
        long fbOffset = header.getLong(8);
        long payload = ring + ringOffset + COMMAND_HEADER;
        if (length < 0
                || ringOffset + COMMAND_HEADER + (long) length > ringBytes
                || fbOffset < 0
                || fbOffset + length > fbBytes
                || (op != OP_BLIT && op != OP_READBACK)) {
            fail(STATUS_BAD_COMMAND);
            return;
        }
        byte[] data = new byte[length];
        boolean ok =
                op == OP_BLIT
                        ? dma(payload, data, false) && dma(fb + fbOffset, data, true)
                        : dma(fb + fbOffset, data, false) && dma(payload, data, true);
        if (!ok) {
            fail(STATUS_DMA_FAULT);
            return;
        }
        regs.putInt(COMPLETED, regs.getInt(COMPLETED) + 1);
    }

    private void fail(int status) {
        regs.putInt(STATUS, status);
        LOG.info("vgpu {}: command failed with status {}", name, status);
    }

    /** Copies through the frames the device pinned; false (nothing copied) if one is not pinned. */
    private boolean dma(long iova, byte[] buf, boolean write) {
        long first = iova & -pageSize;
        for (long page = first; page < iova + buf.length; page += pageSize) {
            if (pins.pfn(page) < 0) {
                return false;
            }
        }
        int done = 0;
        long at = iova;
        while (done < buf.length) {
            int n = (int) Math.min(buf.length - done, pageSize - (at & (pageSize - 1)));
            long pa = pins.pfn(at & -pageSize) * pageSize + (at & (pageSize - 1));
            if (write) {
                memory.write(pa, buf, done, n);
            } else {
                memory.read(pa, buf, done, n);
            }
            done += n;
            at += n;
        }
        return true;
    }
}
