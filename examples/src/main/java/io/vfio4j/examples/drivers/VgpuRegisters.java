package io.vfio4j.examples.drivers;

/**
 * The register space of the sample vGPU (little endian). The guest programs where its framebuffer
 * and command ring live, enables the device (which pins both), then submits commands by writing
 * them into the ring and ringing the doorbell with their offset.
 *
 * <p>A command is a 16-byte header in the ring, {@code u32 opcode, u32 length, u64 fbOffset},
 * followed by its payload:
 *
 * <ul>
 *   <li>{@link #OP_BLIT}: the device copies {@code length} payload bytes into the framebuffer at
 *       {@code fbOffset};
 *   <li>{@link #OP_READBACK}: the device copies {@code length} framebuffer bytes from {@code
 *       fbOffset} into the payload area, where the guest reads them.
 * </ul>
 */
public final class VgpuRegisters {
    /** u64: IOVA of the framebuffer. */
    public static final int FB_IOVA = 0x00;

    /** u32: framebuffer size in pages. */
    public static final int FB_PAGES = 0x08;

    /** u32: command ring size in pages. */
    public static final int RING_PAGES = 0x0C;

    /** u64: IOVA of the command ring. */
    public static final int RING_IOVA = 0x10;

    /** u32: write 1 to enable (pin framebuffer then ring), 0 to disable (unpin everything). */
    public static final int CONTROL = 0x18;

    /** u32, read only: one of the {@code STATUS_*} values. */
    public static final int STATUS = 0x1C;

    /** u32: write a ring offset to run the command there. */
    public static final int DOORBELL = 0x20;

    /** u32, read only: the errno of the last failure, 0 if none. */
    public static final int ERRNO = 0x24;

    /** u32, read only: commands completed. */
    public static final int COMPLETED = 0x28;

    /** u64, read only: distinct guest pages the device holds pinned. */
    public static final int PINNED_PAGES = 0x30;

    /** u32, read only: {@link #DEVICE_ID}. */
    public static final int ID = 0x38;

    public static final int REGION_SIZE = 0x100;
    public static final int DEVICE_ID = 0x1de5_0001;

    public static final int STATUS_IDLE = 0;
    public static final int STATUS_RUNNING = 1;

    /** Enabling failed (see {@link #ERRNO}); pins made before the failure stay until disable. */
    public static final int STATUS_PIN_FAILED = 2;

    /** A command touched guest memory the device does not hold pinned. */
    public static final int STATUS_DMA_FAULT = 3;

    /** The guest unmapped memory under the framebuffer or ring; the device dropped those pins. */
    public static final int STATUS_UNMAPPED = 4;

    /** A malformed command. */
    public static final int STATUS_BAD_COMMAND = 5;

    public static final int OP_BLIT = 1;
    public static final int OP_READBACK = 2;

    public static final int COMMAND_HEADER = 16;

    private VgpuRegisters() {}
}
