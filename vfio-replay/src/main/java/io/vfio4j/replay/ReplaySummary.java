package io.vfio4j.replay;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a replay found, beside the per-call answers.
 *
 * @param trace the trace's name
 * @param fixture the fixture in words ({@link ReplayOptions#describe()})
 * @param memory where the memory blocks came from
 * @param warnings what was guessed or could not be modelled, in words
 * @param lines lines read
 * @param calls ioctls replayed (an unmap of the whole 64-bit space is two)
 * @param replayed trace lines that became at least one call
 * @param skipped lines not replayed, with why
 * @param formats how many event lines had each prefix format
 * @param peakLine the line of the call that first reached the peak (0 if locked_vm never rose)
 * @param minMemlockBytes the smallest RLIMIT_MEMLOCK that lets every call through: the peak of an
 *     unlimited replay, in bytes
 * @param firstFailure the first call the model refused
 * @param differing calls whose recorded result differs from the model's
 */
public record ReplaySummary(
        String trace,
        String fixture,
        String memory,
        List<String> warnings,
        long lines,
        long calls,
        long replayed,
        List<SkippedLine> skipped,
        Map<LineFormat, Long> formats,
        long peakLockedVmPages,
        long peakLine,
        long finalLockedVmPages,
        long finalMappings,
        long finalMappedBytes,
        long minMemlockBytes,
        long hostPageSize,
        Optional<Failure> firstFailure,
        long refused,
        long differing) {
    public ReplaySummary {
        warnings = List.copyOf(warnings);
        skipped = List.copyOf(skipped);
        formats = Map.copyOf(formats);
    }

    /** A line that is not replayed. */
    public record SkippedLine(long line, String reason) {}

    /** A call the model refused. */
    public record Failure(long line, String op, int errno) {
        public String errnoName() {
            return ErrnoNames.name(errno);
        }
    }
}
