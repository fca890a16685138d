package io.vfio4j.examples.drivers;

import static io.vfio4j.examples.drivers.VgpuRegisters.*;

import io.vfio4j.mdev.MdevDevice;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The guest's driver for the sample vGPU: programs its registers through the device region and
 * talks to it through guest memory (the command ring and the framebuffer).
 */
public final class VgpuGuest {
    private final MdevDevice device;
    private final GuestMemory memory;

    public VgpuGuest(MdevDevice device, GuestMemory memory) {
        this.device = Objects.requireNonNull(device, "device");
        this.memory = Objects.requireNonNull(memory, "memory");
    }

    /**
     * Programs the framebuffer and ring and enables the device, which pins them.
     *
     * @return the status after enabling: {@link VgpuRegisters#STATUS_RUNNING} or {@link
     *     VgpuRegisters#STATUS_PIN_FAILED}
     */
    public int enable(long fbIova, int fbPages, long ringIova, int ringPages) {
        ByteBuffer b = ByteBuffer.allocate(0x18).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(FB_IOVA, fbIova).putInt(FB_PAGES, fbPages).putInt(RING_PAGES, ringPages);
        b.putLong(RING_IOVA, ringIova);
        device.regionWrite(0, b.array());
        writeU32(CONTROL, 1);
        return status();
    }

    /** Disables the device: it unpins everything. */
    public void disable() {
        writeU32(CONTROL, 0);
    }

    /**
     * Asks the device to copy {@code data} into the framebuffer at {@code fbOffset}; the command
     * goes at {@code ringOffset}.
     *
     * @return the status afterwards
     */
    public int blit(int ringOffset, long fbOffset, byte[] data) {
        long ring = readU64(RING_IOVA);
        memory.write(ring + ringOffset, command(OP_BLIT, data.length, fbOffset));
        memory.write(ring + ringOffset + COMMAND_HEADER, data);
        writeU32(DOORBELL, ringOffset);
        return status();
    }

    /**
     * Asks the device to copy {@code length} framebuffer bytes from {@code fbOffset} into the ring
     * and returns what the guest then reads there.
     *
     * @throws IllegalStateException if the device reports a failure
     */
    public byte[] readback(int ringOffset, long fbOffset, int length) {
        long ring = readU64(RING_IOVA);
        memory.write(ring + ringOffset, command(OP_READBACK, length, fbOffset));
        writeU32(DOORBELL, ringOffset);
        if (status() != STATUS_RUNNING) {
            throw new IllegalStateException("vgpu readback failed with status " + status());
        }
        return memory.read(ring + ringOffset + COMMAND_HEADER, length);
    }

    /** What the guest's CPU reads in the framebuffer. */
    public byte[] readFramebuffer(long fbOffset, int length) {
        return memory.read(readU64(FB_IOVA) + fbOffset, length);
    }

    public int status() {
        return readU32(STATUS);
    }

    public int errno() {
        return readU32(ERRNO);
    }

    public int completed() {
        return readU32(COMPLETED);
    }

    public long pinnedPages() {
        return readU64(PINNED_PAGES);
    }

    private static byte[] command(int op, int length, long fbOffset) {
        return ByteBuffer.allocate(COMMAND_HEADER)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(op)
                .putInt(length)
                .putLong(fbOffset)
                .array();
    }

    private void writeU32(int register, int value) {
        device.regionWrite(
                register,
                ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
    }

    // Where the ring and framebuffer are is the device's state, so several guest handles agree.
    private long readU64(int register) {
        return ByteBuffer.wrap(device.regionRead(register, 8))
                .order(ByteOrder.LITTLE_ENDIAN)
                .getLong();
    }

    private int readU32(int register) {
        return ByteBuffer.wrap(device.regionRead(register, 4))
                .order(ByteOrder.LITTLE_ENDIAN)
                .getInt();
    }
}
