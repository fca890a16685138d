package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The test vendor driver on the three real kernels: builds vtmdev.ko against each kernel's Debian
 * headers, boots once per kernel with {@code mdev/pinning.ops}, {@code mdev/cases.ops}, {@code
 * mdev/dmarw.ops} (vfio_dma_rw, dirty tracking) and {@code mdev/exit.ops} (a child exiting with
 * pins held) in that order, and checks every answer against the {@code .expected} file of each,
 * worked out by hand in the {@code .expected.md} files beside them. Never skipped: a header package
 * that cannot be fetched or a module that does not build fails it.
 */
class MdevPinningIT {
    static String resource(String name) throws IOException {
        try (InputStream in = KernelOracle.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void everyKernelAnswersThePinningRulesAsWorkedOutByHand() throws IOException {
        KernelOracle oracle = KernelOracle.create(OracleSettings.fromSystemProperties());
        List<String> expected = new ArrayList<>();
        expected.addAll(resource("mdev/pinning.expected").lines().toList());
        expected.addAll(resource("mdev/cases.expected").lines().toList());
        expected.addAll(resource("mdev/dmarw.expected").lines().toList());
        expected.addAll(resource("mdev/exit.expected").lines().toList());
        String ops =
                resource("mdev/pinning.ops")
                        + resource("mdev/cases.ops")
                        + resource("mdev/dmarw.ops")
                        + resource("mdev/exit.ops");
        Path out = Path.of("target", "oracle-mdev-pinning.txt");
        Files.createDirectories(out.getParent());
        List<String> log = new ArrayList<>();
        for (OracleKernel kernel : OracleKernel.values()) {
            MdevGuest.MdevRun run = oracle.runMdev(kernel, ops);
            log.add("## " + run.kernel().release() + " (" + run.wall().toMillis() + " ms)");
            log.addAll(run.lines());
            Files.write(out, log);
            assertThat(run.operations()).as(run.kernel().release()).isEqualTo(expected);
            // the two pins refused by RLIMIT_MEMLOCK, each logged once
            assertThat(run.dmesg())
                    .as(run.kernel().release())
                    .filteredOn(l -> l.contains("RLIMIT_MEMLOCK (20480) exceeded"))
                    .hasSize(2);
            // two WARNs, both the leaked pins when the last group leaves (cases.ops H, then the
            // child of exit.ops N at its exit); no BUG
            assertThat(run.dmesg())
                    .as(run.kernel().release())
                    .filteredOn(l -> l.contains("WARNING"))
                    .hasSize(2)
                    .allMatch(l -> l.contains("vfio_remove_dma"));
            // exit.ops: each child's device is closed at its exit (M unpins 3, N forgets 6, then
            // the WARN); the children's mapping is never notified: the one dma_unmap naming it
            // is the parent's (O)
            assertThat(run.dmesg())
                    .as(run.kernel().release())
                    .filteredOn(
                            l ->
                                    l.contains("close unpinned 3 leaked 0")
                                            || l.contains("close unpinned 0 leaked 6")
                                            || l.contains("WARNING")
                                            || l.contains("dma_unmap 0x10000000+0x100000 "))
                    .map(l -> l.contains("WARNING") ? "WARNING" : l)
                    .containsExactly(
                            "WARNING",
                            "DMESG vtmdev: close unpinned 3 leaked 0",
                            "DMESG vtmdev: close unpinned 0 leaked 6",
                            "WARNING",
                            "DMESG vtmdev: dma_unmap 0x10000000+0x100000 unpinned 1");
            assertThat(run.dmesg())
                    .as(run.kernel().release())
                    .noneMatch(l -> l.contains("BUG"))
                    .contains(
                            "DMESG vtmdev: close unpinned 0 leaked 5",
                            "DMESG vtmdev: dma_unmap 0x10000000+0x1000000 unpinned 17",
                            "DMESG vtmdev: close unpinned 6 leaked 0");
        }
    }

    /**
     * Last, in its own boot per kernel: a driver that ignores dma_unmap. type1 tells it again while
     * the mapping still has pins, 11 times, then BUGs inside the UNMAP ioctl; the probe never comes
     * back. Expected answers: {@code mdev/limit.expected.md}.
     */
    @Test
    void aDriverThatNeverUnpinsIsToldElevenTimesThenTheKernelBugs() throws IOException {
        KernelOracle oracle = KernelOracle.create(OracleSettings.fromSystemProperties());
        List<String> expected = resource("mdev/limit.expected").lines().toList();
        Path out = Path.of("target", "oracle-mdev-limit.txt");
        Files.createDirectories(out.getParent());
        List<String> log = new ArrayList<>();
        for (OracleKernel kernel : OracleKernel.values()) {
            MdevGuest.MdevRun run = oracle.runMdev(kernel, resource("mdev/limit.ops"));
            log.add("## " + run.kernel().release() + " (" + run.wall().toMillis() + " ms)");
            log.addAll(run.lines());
            Files.write(out, log);
            assertThat(run.hung()).as(run.kernel().release()).isTrue();
            assertThat(run.operations()).as(run.kernel().release()).isEqualTo(expected);
            assertThat(run.dmesg())
                    .as(run.kernel().release())
                    .filteredOn(
                            l ->
                                    l.equals(
                                            "DMESG vtmdev: dma_unmap 0x10000000+0x1000000 unpinned 0"))
                    .hasSize(11);
            assertThat(run.dmesg())
                    .as(run.kernel().release())
                    .filteredOn(l -> l.contains("kernel BUG at drivers/vfio/vfio_iommu_type1.c"))
                    .hasSize(1);
        }
    }
}
