package io.vfio4j.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every real trace under {@code src/test/resources/traces} replays exactly as its {@code
 * .expected.md} says, worked out by hand: each call's answer and locked_vm, the peak and its line,
 * the final locked_vm and mappings, the smallest RLIMIT_MEMLOCK and the skipped lines.
 */
class RealTracesTest {
    static final Path DIR = Path.of("src/test/resources/traces");

    @ParameterizedTest
    @ValueSource(
            strings = {
                "lp1879175-igd-passthrough-boot",
                "qemu-devel-2021-05-overlapping-region-add",
                "qemu-devel-2020-01-p2p-bar",
                "libvfio-user-439-hugepages",
                "qemu-devel-2023-09-viommu-file-exists",
                "iommu-list-2025-11-iommufd-dmabuf",
                "qemu-devel-2023-11-iommufd-39bit-iova",
                "captured-2026-12-qemu-7.2-viommu-e1000e"
            })
    void replaysAsWorkedOutByHand(String name) throws Exception {
        ExpectedReplay expected = ExpectedReplay.read(DIR.resolve(name + ".expected.md"));
        Optional<MemoryLayout> memory = Optional.empty();
        String memoryFile = expected.summary().get("memory");
        if (memoryFile != null) {
            memory = Optional.of(MemoryFiles.read(DIR.resolve(memoryFile), 4096));
        }
        List<CallResult> calls = new ArrayList<>();
        ReplaySummary s =
                Replay.prepare(
                                DIR.resolve(name + ".log"),
                                memory,
                                ReplayOptions.defaults().withInvariantChecks(true))
                        .run(
                                new ReplayListener() {
                                    @Override
                                    public void call(CallResult r) {
                                        calls.add(r);
                                    }
                                });
        List<ExpectedReplay.Row> actual =
                calls.stream()
                        .map(
                                r ->
                                        new ExpectedReplay.Row(
                                                r.line(),
                                                r.op(),
                                                r.iova(),
                                                r.size(),
                                                r.errnoName(),
                                                r.unmapped(),
                                                r.lockedVmPages()))
                        .toList();
        assertThat(actual).containsExactlyElementsOf(expected.rows());
        var sum = expected.summary();
        assertThat(s.calls()).isEqualTo(Long.parseLong(sum.get("calls")));
        assertThat(s.peakLockedVmPages())
                .isEqualTo(Long.parseLong(sum.get("peak_locked_vm_pages")));
        assertThat(s.peakLine()).isEqualTo(Long.parseLong(sum.get("peak_line")));
        assertThat(s.finalLockedVmPages())
                .isEqualTo(Long.parseLong(sum.get("final_locked_vm_pages")));
        assertThat(s.finalMappings()).isEqualTo(Long.parseLong(sum.get("final_mappings")));
        assertThat(s.minMemlockBytes()).isEqualTo(Long.parseLong(sum.get("min_memlock_bytes")));
        assertThat(s.firstFailure().map(f -> f.line() + " " + f.errnoName()).orElse("none"))
                .isEqualTo(sum.get("first_failure"));
        if (sum.containsKey("differing")) {
            assertThat(s.differing()).isEqualTo(Long.parseLong(sum.get("differing")));
        }
        assertThat(
                        s.skipped().stream()
                                .map(k -> k.line() + " " + k.reason())
                                .collect(Collectors.joining("; ")))
                .isEqualTo(sum.get("skipped"));
    }
}
