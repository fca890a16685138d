package io.vfio4j.examples.drivers;

import io.vfio4j.api.VfioException;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevDeviceOps;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * The emulation of a serial device with one or two ports and a DMA engine per port, which moves
 * data with {@code dma_rw} (no pinning). Each port has {@link #PORT_SIZE} bytes of registers at
 * {@code port * PORT_SIZE} (little endian):
 *
 * <ul>
 *   <li>{@link #TX_IOVA} u64, {@link #TX_LEN} u32, {@link #TX_GO} u32: writing 1 to TX_GO sends
 *       TX_LEN bytes from guest memory at TX_IOVA down the line ({@link #transmitted});
 *   <li>{@link #RX_IOVA} u64, {@link #RX_LEN} u32 (buffer size): bytes arriving on the line ({@link
 *       #deliver}) are written into that guest buffer; {@link #RX_COUNT} (read only) says how many;
 *   <li>{@link #ERRNO} (read only): the errno of the last failed DMA, 0 if none.
 * </ul>
 */
public final class SerialPorts implements MdevDeviceOps {
    public static final int PORT_SIZE = 0x40;
    public static final int TX_IOVA = 0x00;
    public static final int TX_LEN = 0x08;
    public static final int TX_GO = 0x0C;
    public static final int RX_IOVA = 0x10;
    public static final int RX_LEN = 0x18;
    public static final int RX_COUNT = 0x1C;
    public static final int ERRNO = 0x20;

    private final String name;
    private final int ports;
    private final ByteBuffer regs;
    private final ByteArrayOutputStream[] wire;
    private final List<Deque<byte[]>> pendingRx = new ArrayList<>();
    private VfioDevice device;

    SerialPorts(String name, int ports) {
        this.name = name;
        this.ports = ports;
        this.regs = ByteBuffer.allocate(ports * PORT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        this.wire = new ByteArrayOutputStream[ports];
        for (int i = 0; i < ports; i++) {
            wire[i] = new ByteArrayOutputStream();
            pendingRx.add(new ArrayDeque<>());
        }
    }

    /** The serial emulation behind {@code mdev}. */
    public static SerialPorts of(MdevDevice mdev) {
        return (SerialPorts) mdev.ops();
    }

    public int ports() {
        return ports;
    }

    @Override
    public synchronized void open(VfioDevice device) {
        this.device = device;
    }

    @Override
    public synchronized void close(VfioDevice device) {
        // Nothing pinned, nothing to release.
        this.device = null;
    }

    @Override
    public long regionSize() {
        return (long) ports * PORT_SIZE;
    }

    @Override
    public synchronized byte[] read(long offset, int length) {
        return Arrays.copyOfRange(regs.array(), (int) offset, (int) offset + length);
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        int port = (int) (offset / PORT_SIZE);
        int base = port * PORT_SIZE;
        int rxCount = regs.getInt(base + RX_COUNT);
        int errno = regs.getInt(base + ERRNO);
        regs.put((int) offset, data);
        regs.putInt(base + RX_COUNT, rxCount).putInt(base + ERRNO, errno);
        if (offset <= base + TX_GO
                && base + TX_GO < offset + data.length
                && regs.getInt(base + TX_GO) == 1) {
            regs.putInt(base + TX_GO, 0);
            transmit(port);
        }
        if (offset <= base + RX_IOVA && base + RX_IOVA < offset + data.length) {
            // A new receive buffer: it starts empty and takes what waited.
            regs.putInt(base + RX_COUNT, 0);
            drainRx(port);
        }
    }

    /** Bytes that arrive on the line of {@code port}; DMA'd into the guest's receive buffer. */
    public synchronized void deliver(int port, byte[] data) {
        pendingRx.get(port).add(data.clone());
        drainRx(port);
    }

    /** Everything the guest sent down the line of {@code port}. */
    public synchronized byte[] transmitted(int port) {
        return wire[port].toByteArray();
    }

    private void transmit(int port) {
        int base = port * PORT_SIZE;
        int len = regs.getInt(base + TX_LEN);
        if (device == null || len <= 0) {
            return;
        }
        byte[] buf = new byte[len];
        try {
            device.dmaRw(regs.getLong(base + TX_IOVA), buf, 0, len, false);
            wire[port].write(buf, 0, len);
            regs.putInt(base + ERRNO, 0);
        } catch (VfioException e) {
            regs.putInt(base + ERRNO, e.errno().number());
        }
    }

    private void drainRx(int port) {
        int base = port * PORT_SIZE;
        long iova = regs.getLong(base + RX_IOVA);
        int capacity = regs.getInt(base + RX_LEN);
        while (device != null && capacity > 0 && !pendingRx.get(port).isEmpty()) {
            byte[] next = pendingRx.get(port).peek();
            int count = regs.getInt(base + RX_COUNT);
            if (count + next.length > capacity) {
                return; // the guest must hand over a new buffer first
            }
            try {
                device.dmaRw(iova + count, next, 0, next.length, true);
            } catch (VfioException e) {
                regs.putInt(base + ERRNO, e.errno().number());
                return;
            }
            pendingRx.get(port).remove();
            regs.putInt(base + RX_COUNT, count + next.length);
        }
    }

    @Override
    public String toString() {
        return "serial " + name + " (" + ports + " ports)";
    }
}
