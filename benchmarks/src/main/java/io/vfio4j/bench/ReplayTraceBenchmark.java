package io.vfio4j.bench;

import io.vfio4j.replay.Replay;
import io.vfio4j.replay.ReplayListener;
import io.vfio4j.replay.ReplayOptions;
import io.vfio4j.replay.ReplaySummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 16's scale target: {@code vfio4j replay} of a synthetic vIOMMU trace of {@code calls}
 * notifier calls ({@link SyntheticViommuTrace}: bursts of 256 single-page MAPs and one UNMAP of the
 * burst) through the library, as the command runs it: the file streamed and parsed, every call
 * replayed on the public runtime (type1v2, one passthrough group), nothing kept per call. {@code
 * checks} = the invariant checker after every call ({@code vfio4j.check-invariants}). One replay
 * per invocation; the summary is verified (every call replayed, none refused, locked_vm back to the
 * RAM block's) so a broken replay cannot pass for a fast one.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx2g"})
public class ReplayTraceBenchmark {
    @State(Scope.Benchmark)
    public static class Trace {
        @Param({"1000000"})
        public long calls;

        @Param({"false", "true"})
        public boolean checks;

        Path file;
        Replay replay;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            file = Files.createTempFile("vfio4j-viommu-", ".log");
            SyntheticViommuTrace.write(file, calls, 256);
            replay =
                    Replay.prepare(
                            file,
                            Optional.empty(),
                            ReplayOptions.defaults().withInvariantChecks(checks));
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            Files.deleteIfExists(file);
        }
    }

    @Benchmark
    public ReplaySummary replay(Trace t) throws Exception {
        ReplaySummary s = t.replay.run(ReplayListener.NONE);
        // 2 GiB of guest RAM (524,288 pages) stays mapped; every vIOMMU page is unmapped again.
        if (s.calls() != t.calls + 1 || s.refused() != 0 || s.finalLockedVmPages() != 524_288) {
            throw new IllegalStateException("the replay went wrong: " + s);
        }
        return s;
    }
}
