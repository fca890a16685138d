package io.vfio4j.host;

import static io.vfio4j.host.HostAssertions.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.Errno;
import io.vfio4j.api.host.PinnedRun;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MemoryContentTest {
    private static final long VA = 0x4000_0000L;
    private static final int PAGE = 4096;

    private final SimHost host = SimHost.builder().build();
    private final SimPhysicalMemory memory = host.memory();
    private final SimProcess proc = host.spawnProcess(ProcessSpec.defaults());
    private final SimAddressSpace mm = proc.simAddressSpace().orElseThrow();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void processWritesReachThePinnedFrameAndDmaWritesReachTheProcess() {
        proc.mmap(RegionSpec.anonymous(VA, 1 << 20));
        proc.write(VA + 5 * PAGE + 100, bytes("hello"));

        PinnedRun run = mm.pinRun(VA, 64, true);
        byte[] seen = new byte[5];
        memory.read(((run.pfn() + 5) << 12) + 100, seen, 0, 5);
        memory.write(((run.pfn() + 7) << 12) + 10, bytes("dma!"), 0, 4);

        assertThat(seen).isEqualTo(bytes("hello"));
        assertThat(proc.read(VA + 7 * PAGE + 10, 4)).isEqualTo(bytes("dma!"));
        assertThat(memory.materializedFrames()).isEqualTo(2);
    }

    @Test
    void aCopyAcrossARunBoundaryLandsInTwoUnrelatedFrames() {
        proc.mmap(RegionSpec.anonymous(VA, 1 << 20));
        long boundary = VA + 64L * PAGE;

        proc.write(boundary - 2, bytes("ABCD"));

        long pfnBefore = mm.translate(boundary - PAGE, 1).pfn();
        long pfnAfter = mm.translate(boundary, 1).pfn();
        assertThat(pfnAfter).isNotEqualTo(pfnBefore + 1);
        byte[] head = new byte[2];
        byte[] tail = new byte[2];
        memory.read((pfnBefore << 12) + PAGE - 2, head, 0, 2);
        memory.read(pfnAfter << 12, tail, 0, 2);
        assertThat(head).isEqualTo(bytes("AB"));
        assertThat(tail).isEqualTo(bytes("CD"));
        assertThat(proc.read(boundary - 2, 4)).isEqualTo(bytes("ABCD"));
    }

    @Test
    void unwrittenMemoryReadsAsZeroAndCostsNothing() {
        proc.mmap(RegionSpec.hugetlb(VA, 1L << 30, io.vfio4j.host.HugePage.SIZE_1G));

        assertThat(proc.read(VA + 12345, 16)).containsOnly(0);
        assertThat(memory.materializedFrames()).isZero();
    }

    @Test
    void deviceFramesKeepContents() {
        proc.mmap(RegionSpec.device(VA, 1 << 20));
        long pfn = mm.translate(VA, 1).pfn();

        memory.write((pfn << 12) + 8, bytes("bar0"), 0, 4);

        assertThat(proc.read(VA + 8, 4)).isEqualTo(bytes("bar0"));
    }

    @Test
    void writesToReadOnlyOrUnbackedMemoryAreEfaultAndLeaveNothing() {
        proc.mmap(RegionSpec.anonymous(VA, 2 * PAGE));
        proc.mmap(RegionSpec.anonymous(VA + 2 * PAGE, PAGE).readOnly());
        proc.mmap(RegionSpec.anonymous(VA + 4 * PAGE, PAGE)); // hole at page 3

        assertErrno(Errno.EFAULT, () -> proc.write(VA + 2 * PAGE - 2, bytes("xxxx")));
        assertErrno(Errno.EFAULT, () -> proc.write(VA + 3 * PAGE - 2, bytes("xxxx")));
        assertErrno(Errno.EFAULT, () -> proc.read(VA + 3 * PAGE - 2, 4));
        assertThat(proc.read(VA + 2 * PAGE - 2, 2)).containsOnly(0);
        assertThat(memory.materializedFrames()).isZero();
        assertThat(proc.read(VA + 2 * PAGE, 2)).containsOnly(0);
    }

    @Test
    void physicalAccessOutsideAnyFrameIsEfault() {
        proc.mmap(RegionSpec.anonymous(VA, PAGE));
        long pfn = mm.translate(VA, 1).pfn();

        assertErrno(Errno.EFAULT, () -> memory.read(0, new byte[1], 0, 1));
        assertErrno(Errno.EFAULT, () -> memory.write((pfn + 1) << 12, new byte[1], 0, 1));
        assertErrno(Errno.EFAULT, () -> memory.write((pfn << 12) + PAGE - 1, new byte[2], 0, 2));
    }

    @Test
    void unpinWithDirtyMarksTheFrames() {
        proc.mmap(RegionSpec.anonymous(VA, 1 << 20));
        PinnedRun a = mm.pinRun(VA, 8, true);
        PinnedRun b = mm.pinRun(VA + 8 * PAGE, 8, true);

        memory.unpin(a.pfn(), 8, true);
        memory.unpin(b.pfn(), 8, false);

        assertThat(memory.dirtyPages()).isEqualTo(8);
        assertThat(memory.isDirty(a.pfn() + 7)).isTrue();
        assertThat(memory.isDirty(b.pfn())).isFalse();
    }
}
