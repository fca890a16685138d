package io.vfio4j.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The smallest RLIMIT_MEMLOCK the replay reports is exact: at that limit every call answers as it
 * does without a limit, and one page below it the call that reached the peak is refused with ENOMEM
 * and nothing before it is.
 */
class MinimumMemlockTest {
    @ParameterizedTest
    @CsvSource({
        "lp1879175-igd-passthrough-boot, , 7550009344, 17",
        "qemu-devel-2021-05-overlapping-region-add, , 131072, 13",
        "libvfio-user-439-hugepages, libvfio-user-439-hugepages.memory.yaml, 3221356544, 21"
    })
    void theTracePassesAtTheMinimumAndFailsOnePageBelow(
            String name, String memoryFile, long min, long peakLine) throws Exception {
        Optional<MemoryLayout> memory =
                memoryFile == null
                        ? Optional.empty()
                        : Optional.of(
                                MemoryFiles.read(RealTracesTest.DIR.resolve(memoryFile), 4096));
        Path trace = RealTracesTest.DIR.resolve(name + ".log");
        ReplayOptions unlimited = ReplayOptions.defaults();
        List<CallResult> free = new ArrayList<>();
        ReplaySummary s = Replay.prepare(trace, memory, unlimited).run(collect(free));
        assertThat(s.minMemlockBytes()).isEqualTo(min);

        List<CallResult> atMin = new ArrayList<>();
        ReplaySummary exact =
                Replay.prepare(trace, memory, unlimited.withMemlock(OptionalLong.of(min)))
                        .run(collect(atMin));
        assertThat(atMin).isEqualTo(free);
        assertThat(exact.minMemlockBytes()).isEqualTo(min);

        List<CallResult> below = new ArrayList<>();
        ReplaySummary short1 =
                Replay.prepare(trace, memory, unlimited.withMemlock(OptionalLong.of(min - 4096)))
                        .run(collect(below));
        CallResult refused = below.stream().filter(r -> r.errno() == 12).findFirst().orElseThrow();
        assertThat(refused.line()).isEqualTo(peakLine);
        assertThat(below.subList(0, below.indexOf(refused)))
                .isEqualTo(free.subList(0, below.indexOf(refused)));
        assertThat(short1.minMemlockBytes()).as("still measured without a limit").isEqualTo(min);
    }

    private static ReplayListener collect(List<CallResult> into) {
        return new ReplayListener() {
            @Override
            public void call(CallResult result) {
                into.add(result);
            }
        };
    }
}
