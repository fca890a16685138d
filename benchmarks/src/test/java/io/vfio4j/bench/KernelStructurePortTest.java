package io.vfio4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.host.FrameLayout;
import org.junit.jupiter.api.Test;

/**
 * The yardstick must do the work it stands for: every page pinned, charged and mapped to its frame
 * by MAP, and all of it undone by UNMAP; an mdev's pins counted once per page. Frames by hand for
 * {@code FrameLayout(100, 16, 4)}: runs in reverse order, so pages 0-3 are frames 112-115, pages
 * 4-7 frames 108-111, pages 8-11 frames 104-107 and pages 12-15 frames 100-103.
 */
class KernelStructurePortTest {
    private static final long V = 1L << 40;
    private static final long I = 1L << 32;
    private static final long PAGE = 4096;
    private static final FrameLayout LAYOUT = new FrameLayout(100, 16, 4);

    @Test
    void mapPinsChargesAndMapsEveryPageAndUnmapUndoesIt() {
        KernelStructurePort port = new KernelStructurePort(V, I, LAYOUT, true);

        assertThat(port.map(V, I, 8)).isTrue();
        assertThat(port.lockedVm()).isEqualTo(8);
        assertThat(port.translate(I)).isEqualTo(112);
        assertThat(port.translate(I + 3 * PAGE)).isEqualTo(115);
        assertThat(port.translate(I + 4 * PAGE)).isEqualTo(108);
        assertThat(port.translate(I + 7 * PAGE)).isEqualTo(111);
        assertThat(port.refs(112)).isEqualTo(1);
        assertThat(port.refs(100)).isZero();

        // Overlaps the first mapping's last four pages: refused, nothing changed.
        assertThat(port.map(V + 4 * PAGE, I + 4 * PAGE, 8)).isFalse();
        assertThat(port.lockedVm()).isEqualTo(8);
        assertThat(port.mappings()).isEqualTo(1);
        assertThat(port.translate(I + 8 * PAGE)).isEqualTo(KernelStructurePort.NO_FRAME);

        assertThat(port.map(V + 8 * PAGE, I + 8 * PAGE, 8)).isTrue();
        assertThat(port.lockedVm()).isEqualTo(16);
        assertThat(port.translate(I + 15 * PAGE)).isEqualTo(103);

        assertThat(port.unmap(I)).isEqualTo(8);
        assertThat(port.refs(112)).isZero();
        assertThat(port.refs(104)).isEqualTo(1);
        assertThat(port.translate(I)).isEqualTo(KernelStructurePort.NO_FRAME);
        assertThat(port.lockedVm()).isEqualTo(8);
        assertThat(port.unmap(I)).isZero();

        assertThat(port.unmap(I + 8 * PAGE)).isEqualTo(8);
        assertThat(port.lockedVm()).isZero();
        assertThat(port.mappings()).isZero();
        for (long pfn = 100; pfn < 116; pfn++) {
            assertThat(port.refs(pfn)).isZero();
        }
    }

    @Test
    void randomOrderMapsEveryPageToItsFrameAndUnmapsAll() {
        FrameLayout layout = new FrameLayout(1000, 512, 4);
        KernelStructurePort port = new KernelStructurePort(V, I, layout, true);
        for (int i : RandomOrderBenchmark.permutation(64, 1)) {
            assertThat(port.map(V + i * 8 * PAGE, I + i * 8 * PAGE, 8)).isTrue();
        }
        assertThat(port.lockedVm()).isEqualTo(512);
        for (int k = 0; k < 512; k++) {
            assertThat(port.translate(I + k * PAGE)).isEqualTo(layout.pfn(k));
            assertThat(port.refs(1000 + k)).isEqualTo(1);
        }
        for (int i : RandomOrderBenchmark.permutation(64, 2)) {
            assertThat(port.unmap(I + i * 8 * PAGE)).isEqualTo(8);
        }
        assertThat(port.lockedVm()).isZero();
        assertThat(port.mappings()).isZero();
        for (int k = 0; k < 512; k++) {
            assertThat(port.translate(I + k * PAGE)).isEqualTo(KernelStructurePort.NO_FRAME);
            assertThat(port.refs(1000 + k)).isZero();
        }
    }

    @Test
    void externalPinsChargeAndReferenceEachPageOnce() {
        KernelStructurePort port = new KernelStructurePort(V, I, LAYOUT, false);
        assertThat(port.map(V, I, 16)).isTrue();
        // A container of mdevs only: MAP pins nothing.
        assertThat(port.lockedVm()).isZero();
        assertThat(port.refs(112)).isZero();

        long[] pfns = new long[4];
        port.pinPages(I + 2 * PAGE, 4, pfns);
        assertThat(pfns).containsExactly(114, 115, 108, 109);
        assertThat(port.lockedVm()).isEqualTo(4);
        assertThat(port.externallyPinned(I)).isEqualTo(4);

        port.pinPages(I + 4 * PAGE, 2, pfns);
        assertThat(pfns[0]).isEqualTo(108);
        assertThat(pfns[1]).isEqualTo(109);
        // Pages 4 and 5 were pinned already: a second reference in pfn_list, no new charge.
        assertThat(port.lockedVm()).isEqualTo(4);
        assertThat(port.refs(108)).isEqualTo(1);

        port.unpinPages(I + 2 * PAGE, 4);
        assertThat(port.lockedVm()).isEqualTo(2);
        assertThat(port.refs(114)).isZero();
        assertThat(port.refs(108)).isEqualTo(1);
        assertThat(port.externallyPinned(I)).isEqualTo(2);

        port.unpinPages(I + 4 * PAGE, 2);
        assertThat(port.lockedVm()).isZero();
        assertThat(port.refs(108)).isZero();
        assertThat(port.externallyPinned(I)).isZero();
        assertThat(port.unmap(I)).isEqualTo(16);
    }
}
