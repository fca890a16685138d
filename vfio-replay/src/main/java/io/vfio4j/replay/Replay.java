package io.vfio4j.replay;

import io.vfio4j.api.BackendState;
import io.vfio4j.api.VfioException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A trace made ready to replay: its memory layout is known (described, or guessed in a first pass
 * over the file). {@link #run} streams the file a second time through the model.
 *
 * <pre>{@code
 * Replay replay = Replay.prepare(Path.of("qemu.log"), Optional.empty(), ReplayOptions.defaults());
 * ReplaySummary s = replay.run(result -> log.info("{}", result));
 * }</pre>
 */
public final class Replay {
    private final Path trace;
    private final ReplayOptions options;
    private final MemoryLayout layout;
    private final boolean synthetic;
    private final List<String> warnings;
    private final RuntimeFactory runtime;

    private Replay(
            Path trace,
            ReplayOptions options,
            MemoryLayout layout,
            boolean synthetic,
            List<String> warnings,
            RuntimeFactory runtime) {
        this.runtime = runtime;
        this.trace = trace;
        this.options = options;
        this.layout = layout;
        this.synthetic = synthetic;
        this.warnings = List.copyOf(warnings);
    }

    /**
     * Reads the trace once to learn the host ranges it maps.
     *
     * @param memory the memory description ({@link MemoryFiles#read}); empty: guess the blocks
     * @throws ReplayInputException if the trace cannot be read
     */
    public static Replay prepare(Path trace, Optional<MemoryLayout> memory, ReplayOptions options)
            throws ReplayInputException {
        return prepare(trace, memory, options, RuntimeFactory.classPathOnly());
    }

    /**
     * As {@link #prepare(Path, Optional, ReplayOptions)}, on runtimes built by {@code runtime}
     * (e.g. with the plugin directory and the configuration file).
     */
    public static Replay prepare(
            Path trace,
            Optional<MemoryLayout> memory,
            ReplayOptions options,
            RuntimeFactory runtime)
            throws ReplayInputException {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(trace, "trace");
        Objects.requireNonNull(options, "options");
        BlockInference inference = new BlockInference(memory);
        new TraceReader().read(trace, inference::accept);
        List<String> warnings = new ArrayList<>();
        MemoryLayout layout = inference.layout(options.hostPageSize(), warnings);
        if (inference.withoutVaddr() > 0) {
            warnings.add(
                    inference.withoutVaddr()
                            + " map(s) name no host address (vIOMMU MAP, iommufd MAP_FILE, a"
                            + " vfio-user server's log): mapped from a synthetic anonymous RAM block"
                            + " at "
                            + Hex.of(ReplayFixture.SYNTHETIC_BASE)
                            + ", pinned and charged");
        }
        return new Replay(trace, options, layout, inference.withoutVaddr() > 0, warnings, runtime);
    }

    /** The blocks the replay maps from. */
    public MemoryLayout layout() {
        return layout;
    }

    /** Whether calls without a host address map from the synthetic block. */
    public boolean usesSyntheticBlock() {
        return synthetic;
    }

    public ReplayOptions options() {
        return options;
    }

    /**
     * Replays every call, handing each answer to {@code listener} as it is made. Under a memlock
     * limit the trace is replayed once more without one, for the smallest limit that lets it
     * through.
     *
     * @throws ReplayInputException if the trace or a block cannot be used
     * @throws io.vfio4j.api.VfioConfigurationException if the container cannot be set up (no
     *     backend serves the IOMMU type, an unknown backend name, a refused backend setting)
     */
    public ReplaySummary run(ReplayListener listener) throws ReplayInputException {
        PassResult pass = pass(options, listener);
        long min = pass.engine.peak;
        if (options.memlockBytes().isPresent()) {
            min = pass(options.withMemlock(OptionalLong.empty()), ReplayListener.NONE).engine.peak;
        }
        ReplayEngine e = pass.engine;
        return new ReplaySummary(
                String.valueOf(trace.getFileName()),
                options.describe(),
                layout.origin(),
                warnings,
                pass.reader.lines(),
                e.calls,
                e.replayed,
                pass.skipped,
                pass.reader.formats(),
                e.peak,
                e.peakLine,
                pass.finalLocked,
                pass.finalState.mappings(),
                pass.finalState.mappedBytes(),
                min * options.hostPageSize(),
                options.hostPageSize(),
                Optional.ofNullable(e.firstFailure),
                e.refused,
                e.differing);
    }

    private record PassResult(
            ReplayEngine engine,
            TraceReader reader,
            List<ReplaySummary.SkippedLine> skipped,
            long finalLocked,
            BackendState finalState) {}

    private PassResult pass(ReplayOptions opts, ReplayListener listener)
            throws ReplayInputException {
        List<ReplaySummary.SkippedLine> skipped = new ArrayList<>();
        ReplayListener both =
                new ReplayListener() {
                    @Override
                    public void call(CallResult result) {
                        listener.call(result);
                    }

                    @Override
                    public void attached(long line, int group) {
                        listener.attached(line, group);
                    }

                    @Override
                    public void skipped(long line, String reason) {
                        skipped.add(new ReplaySummary.SkippedLine(line, reason));
                        listener.skipped(line, reason);
                    }
                };
        try (ReplayFixture fixture = new ReplayFixture(opts, layout, synthetic, runtime)) {
            ReplayEngine engine = new ReplayEngine(fixture, layout, both);
            CallMerger merger = new CallMerger(engine::accept);
            TraceReader reader = new TraceReader();
            reader.read(trace, merger::accept);
            merger.flush();
            return new PassResult(
                    engine, reader, skipped, engine.finalLockedVm(), engine.finalState());
        } catch (VfioException e) {
            throw new ReplayInputException("the fixture cannot be built: " + e.getMessage(), e);
        }
    }
}
