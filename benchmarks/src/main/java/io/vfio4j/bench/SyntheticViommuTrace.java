package io.vfio4j.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a synthetic vIOMMU trace as QEMU's log backend prints it ({@code PID@SEC.USEC:} prefix,
 * hw/vfio/trace-events formats): a {@code vfio_realize}, the guest RAM's {@code region_add [ram]},
 * the vIOMMU's {@code region_add [iommu]}, then bursts of {@code vfio_iommu_map_notify}: {@code
 * burst} MAPs of one 4 KiB IOTLB entry each at consecutive IOVAs in a 64 GiB window, then one UNMAP
 * of the burst's whole range, as a guest's page-selective invalidation does. A burst of 256 is 257
 * calls. The file holds {@code calls} notifier calls (plus the three set-up lines).
 */
public final class SyntheticViommuTrace {
    private SyntheticViommuTrace() {}

    /** Writes the trace; every MAP of the file is unmapped again by the end of its burst. */
    public static void write(Path file, long calls, int burst) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            long usec = 0;
            w.write(line(usec++) + "vfio_realize  (0000:03:00.0) group 12\n");
            w.write(
                    line(usec++)
                            + "vfio_listener_region_add_ram region_add [ram] 0x0 - 0x7fffffff"
                            + " [0x7f0000000000]\n");
            w.write(
                    line(usec++)
                            + "vfio_listener_region_add_iommu region_add [iommu] vtd-03.0-dmar 0x100000000 -"
                            + " 0xffffffffffffffff\n");
            long window = 64L << 30;
            long base = 0x1_0000_0000L;
            long at = 0;
            long written = 0;
            while (written < calls) {
                long start = base + at;
                // Every burst ends with its UNMAP, the last one too (it may be shorter).
                long n = Math.min(burst, calls - written - 1);
                for (long i = 0; i < n; i++) {
                    long iova = start + i * 4096L;
                    w.write(line(usec++));
                    w.write("vfio_iommu_map_notify iommu MAP @ 0x");
                    w.write(Long.toHexString(iova));
                    w.write(" - 0x");
                    w.write(Long.toHexString(iova + 0xfff));
                    w.write('\n');
                }
                w.write(line(usec++));
                w.write("vfio_iommu_map_notify iommu UNMAP @ 0x");
                w.write(Long.toHexString(start));
                w.write(" - 0x");
                w.write(Long.toHexString(start + Math.max(n, 1) * 4096L - 1));
                w.write('\n');
                written += n + 1;
                at = (at + burst * 4096L) % window;
            }
        }
    }

    private static String line(long usec) {
        return "4242@"
                + (1_700_000_000L + usec / 1_000_000)
                + "."
                + String.format("%06d", usec % 1_000_000)
                + ":";
    }
}
