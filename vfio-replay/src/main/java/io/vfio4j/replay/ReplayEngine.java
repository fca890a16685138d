package io.vfio4j.replay;

import io.vfio4j.api.BackendState;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.replay.ReplaySummary.Failure;
import io.vfio4j.replay.TraceEvent.GroupAttach;
import io.vfio4j.replay.TraceEvent.MapCall;
import io.vfio4j.replay.TraceEvent.Skipped;
import io.vfio4j.replay.TraceEvent.Source;
import io.vfio4j.replay.TraceEvent.UnmapCall;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays calls on a {@link ReplayFixture}, one at a time, and keeps only the running figures
 * (peak, first failure, counters): a trace of any length needs no memory per call.
 */
final class ReplayEngine {
    private static final Logger LOG = LoggerFactory.getLogger(ReplayEngine.class);

    /** The group attached before the first call when the trace shows no vfio_realize. */
    static final int DEFAULT_GROUP = 1;

    private final ReplayFixture fixture;
    private final MemoryLayout layout;
    private final ReplayListener listener;

    long calls;
    long replayed;
    long peak;
    long peakLine;
    long refused;
    long differing;
    Failure firstFailure;

    ReplayEngine(ReplayFixture fixture, MemoryLayout layout, ReplayListener listener) {
        this.fixture = fixture;
        this.layout = layout;
        this.listener = listener;
    }

    void accept(TraceEvent e) {
        if (e instanceof MapCall m) {
            map(m);
        } else if (e instanceof UnmapCall u) {
            unmap(u);
        } else if (e instanceof GroupAttach g) {
            attach(g.group(), g.line());
        } else if (e instanceof Skipped s) {
            listener.skipped(s.line(), s.reason());
        }
    }

    private void attach(int group, long line) {
        try {
            if (fixture.attach(group)) {
                listener.attached(line, group);
            }
        } catch (VfioException ex) {
            if (fixture.container().backend().isEmpty()) {
                // Without a backend every call would be EINVAL: the fixture is wrong, not the
                // trace.
                throw new VfioConfigurationException(
                        "the replay's container cannot be set up at line "
                                + line
                                + " (group "
                                + group
                                + "): "
                                + ex.getMessage(),
                        ex);
            }
            // A later group: the calls after it answer what the model says without it.
            LOG.warn("line {}: attaching group {} failed: {}", line, group, ex.getMessage());
        }
    }

    private void map(MapCall m) {
        ensureAttached(m.line());
        long vaddr =
                m.vaddr() == -1 || m.vaddr() == 0
                        ? ReplayFixture.syntheticVaddr(m.iova(), m.size())
                        : m.vaddr();
        Optional<MemoryBlock> block = layout.blockOf(vaddr, m.size());
        boolean readOnly =
                m.readOnly() || block.map(b -> b.kind() == MemoryBlock.Kind.ROM).orElse(false);
        boolean charged = block.map(b -> b.kind() != MemoryBlock.Kind.DEVICE).orElse(true);
        int flags = readOnly ? MapDma.READ : MapDma.READ | MapDma.WRITE;
        int errno = 0;
        try {
            fixture.container().ioctl(fixture.vmm(), MapDma.of(vaddr, m.iova(), m.size(), flags));
        } catch (VfioException ex) {
            errno = ex.errno().number();
        }
        replayed++;
        report(
                m.line(),
                "MAP",
                m.iova(),
                m.size(),
                errno,
                0,
                m.recordedErrno(),
                m.source(),
                charged,
                vaddr,
                readOnly);
    }

    private void unmap(UnmapCall u) {
        ensureAttached(u.line());
        replayed++;
        if (u.wholeSpace()) {
            // QEMU's legacy container cannot pass 2^64 in a u64: two halves
            // (vfio_legacy_dma_unmap, "unmap all"); an iommufd result applies to both.
            unmapOne(u, 0, 1L << 63);
            unmapOne(u, 1L << 63, 1L << 63);
        } else {
            unmapOne(u, u.iova(), u.size());
        }
    }

    private void unmapOne(UnmapCall u, long iova, long size) {
        int errno = 0;
        long unmapped = 0;
        try {
            unmapped =
                    fixture.container()
                            .ioctl(fixture.vmm(), UnmapDma.of(iova, size))
                            .unmappedBytes();
        } catch (VfioException ex) {
            errno = ex.errno().number();
        }
        report(
                u.line(),
                "UNMAP",
                iova,
                size,
                errno,
                unmapped,
                u.recordedErrno(),
                u.source(),
                false,
                0,
                false);
    }

    private void ensureAttached(long line) {
        if (!fixture.anyAttached()) {
            attach(DEFAULT_GROUP, line);
        }
    }

    private void report(
            long line,
            String op,
            long iova,
            long size,
            int errno,
            long unmapped,
            int recorded,
            Source source,
            boolean charged,
            long vaddr,
            boolean readOnly) {
        calls++;
        long locked = fixture.lockedVm();
        if (locked > peak) {
            peak = locked;
            peakLine = line;
        }
        if (errno != 0) {
            refused++;
            if (firstFailure == null) {
                firstFailure = new Failure(line, op, errno);
            }
        }
        boolean differs =
                recorded != TraceEvent.UNKNOWN
                        && (recorded == TraceEvent.FAILED ? errno == 0 : recorded != errno)
                        && !equivalent(op, recorded, errno, unmapped, source);
        if (differs) {
            differing++;
        }
        listener.call(
                new CallResult(
                        line,
                        op,
                        iova,
                        size,
                        errno,
                        unmapped,
                        locked,
                        recorded,
                        differs,
                        source,
                        charged && "MAP".equals(op) && errno == 0,
                        vaddr,
                        readOnly,
                        fixture.pinnedVm(),
                        fixture.userLockedVm()));
    }

    /**
     * iommufd answers ENOENT for an unmap that finds nothing where type1 answers success with 0
     * bytes, and QEMU takes both as success (iommufd_backend_unmap_dma_non_exist).
     */
    private static boolean equivalent(
            String op, int recorded, int errno, long unmapped, Source source) {
        return source == Source.IOMMUFD
                && "UNMAP".equals(op)
                && recorded == Errno.ENOENT.number()
                && errno == 0
                && unmapped == 0;
    }

    long finalLockedVm() {
        return fixture.lockedVm();
    }

    BackendState finalState() {
        return fixture.container()
                .state()
                .orElse(new BackendState(0, 0, 0, 0, 0, java.util.Map.of()));
    }
}
