package io.vfio4j.oracle;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes an uncompressed cpio archive in the "newc" format, which the kernel unpacks as an
 * initramfs (Documentation/driver-api/early-userspace/buffer-format.rst): the operation list
 * travels as such an archive appended to the prebuilt one, so no per-run rebuild is needed.
 */
final class CpioWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int inode = 1;

    CpioWriter directory(String name) {
        return entry(name, 0040755, new byte[0]);
    }

    CpioWriter file(String name, byte[] data) {
        return entry(name, 0100644, data);
    }

    CpioWriter executable(String name, byte[] data) {
        return entry(name, 0100755, data);
    }

    byte[] finish() {
        entry("TRAILER!!!", 0, new byte[0]);
        return out.toByteArray();
    }

    private CpioWriter entry(String name, int mode, byte[] data) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        StringBuilder h = new StringBuilder("070701");
        long[] fields = {
            name.equals("TRAILER!!!") ? 0 : inode++,
            mode,
            0,
            0,
            1,
            0,
            data.length,
            0,
            0,
            0,
            0,
            n.length,
            0
        };
        for (long f : fields) {
            h.append(String.format("%08x", f));
        }
        byte[] header = h.toString().getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(header);
        out.writeBytes(n);
        pad();
        out.writeBytes(data);
        pad();
        return this;
    }

    /** Header plus name, and the data, each end on a 4-byte boundary. */
    private void pad() {
        while (out.size() % 4 != 0) {
            out.write(0);
        }
    }
}
