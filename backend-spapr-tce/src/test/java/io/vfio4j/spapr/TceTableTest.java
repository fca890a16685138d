package io.vfio4j.spapr;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.host.TceTableSpec;
import org.junit.jupiter.api.Test;

class TceTableTest {
    @Test
    void flatTableExchangesAndCountsLiveEntries() {
        TceTable t = new TceTable(new TceTableSpec(0, 12, 1L << 31, 1, 16, 1L << 23));
        assertThat(t.size()).isEqualTo(1L << 19);
        assertThat(t.exchange(5, 0x10003, 0xabc000)).isZero();
        assertThat(t.exchange(5, 0x20001, 0xdef000)).isEqualTo(0x10003);
        assertThat(t.shadow(5)).isEqualTo(0xdef000);
        assertThat(t.live()).isEqualTo(1);
        assertThat(t.nextLive(0, t.size())).isEqualTo(5);
        assertThat(t.exchange(5, 0, 0)).isEqualTo(0x20001);
        assertThat(t.live()).isZero();
        assertThat(t.nextLive(0, t.size())).isEqualTo(-1);
    }

    @Test
    void multiLevelTableAllocatesChunksOnDemandAndSkipsEmptyOnes() {
        // 2^50-byte window of 64 KiB pages: 2^34 entries in 5 levels
        TceTable t = new TceTable(new TceTableSpec(1L << 59, 16, 1L << 50, 5, 13, 0));
        assertThat(t.size()).isEqualTo(1L << 34);
        assertThat(t.get(123_456_789L)).isZero();
        assertThat(t.exchange(77, 0, 0))
                .isZero(); // clearing an unallocated chunk allocates nothing
        t.exchange(123_456_789L, 0x30003, 0x1000);
        t.exchange((1L << 34) - 1, 0x40003, 0x2000);
        assertThat(t.live()).isEqualTo(2);
        assertThat(t.nextLive(0, t.size())).isEqualTo(123_456_789L);
        assertThat(t.nextLive(123_456_790L, t.size())).isEqualTo((1L << 34) - 1);
        assertThat(t.anyLive(0, 123_456_789L)).isFalse();
    }

    private static TceTable flat() {
        return new TceTable(new TceTableSpec(0, 16, 1L << 30, 1, 14, 1L << 17)); // 16384 entries
    }

    /** Two levels: chunks of 2^13 entries allocated on first write. */
    private static TceTable chunked() {
        return new TceTable(new TceTableSpec(0, 16, 1L << 40, 2, 13, 0));
    }

    @Test
    void fillWritesConsecutiveEntriesAndShadowsAndCountsThemLive() {
        for (TceTable t : new TceTable[] {flat(), chunked()}) {
            t.fill(100, 3, 0x7_0000_0003L, 0x5_0000, 0x1_0000);
            assertThat(t.live()).isEqualTo(3);
            assertThat(t.get(99)).isZero();
            assertThat(t.get(100)).isEqualTo(0x7_0000_0003L);
            assertThat(t.get(102)).isEqualTo(0x7_0002_0003L);
            assertThat(t.shadow(102)).isEqualTo(0x7_0000);
            assertThat(t.get(103)).isZero();
            assertThat(t.nextLive(0, t.size())).isEqualTo(100);
        }
    }

    @Test
    void fillAcrossChunkBoundariesAllocatesEveryChunkItTouches() {
        TceTable t = chunked();
        long from = (1L << 13) - 2; // the last two entries of chunk 0, all of chunk 1, one of 2
        long count = 2 + (1L << 13) + 1;
        t.fill(from, count, 0x1003, 0x40_0000, 0x1_0000);
        assertThat(t.live()).isEqualTo(count);
        for (long i = from; i < from + count; i++) {
            long k = i - from;
            assertThat(t.get(i)).isEqualTo(0x1003 + k * 0x1_0000);
            assertThat(t.shadow(i)).isEqualTo(0x40_0000 + k * 0x1_0000);
        }
        assertThat(t.get(from + count)).isZero();
        assertThat(t.nextLive(from + count, t.size())).isEqualTo(-1);
    }

    @Test
    void fillOfNothingChangesNothing() {
        TceTable t = chunked();
        t.fill(5, 0, 0x1003, 0x1000, 0x1000);
        assertThat(t.live()).isZero();
        assertThat(t.nextLive(0, t.size())).isEqualTo(-1);
    }

    @Test
    void clearStretchEmptiesTheWholeStretchUpToTheLimit() {
        for (TceTable t : new TceTable[] {flat(), chunked()}) {
            t.fill(10, 20, 0x1003, 0x100_0000, 0x1_0000);
            assertThat(t.clearStretch(10, 25, 0x100_0000, 0x1_0000, 2)).isEqualTo(15);
            assertThat(t.live()).isEqualTo(5);
            assertThat(t.nextLive(0, t.size())).isEqualTo(25);
            assertThat(t.get(24)).isZero();
            assertThat(t.shadow(24)).isZero();
            assertThat(t.get(25)).isEqualTo(0x1003 + 15 * 0x1_0000);
        }
    }

    @Test
    void clearStretchStopsAtAnEmptyEntry() {
        TceTable t = flat();
        t.fill(10, 5, 0x1003, 0x1000, 0x1_0000);
        t.fill(16, 5, 0x6_0003, 0x6_1000, 0x1_0000); // contiguous with the first, after a hole
        assertThat(t.clearStretch(10, 100, 0x1000, 0x1_0000, 2)).isEqualTo(5);
        assertThat(t.live()).isEqualTo(5);
        assertThat(t.nextLive(0, t.size())).isEqualTo(16);
    }

    @Test
    void clearStretchStopsWhereTheMaskedBitsChange() {
        TceTable t = flat();
        t.fill(0, 3, 0x1003, 0x1000, 0x1_0000); // read-write
        t.fill(3, 3, 0x3_1001, 0x3_1000, 0x1_0000); // read-only, shadows continue
        assertThat(t.clearStretch(0, 100, 0x1000, 0x1_0000, 2)).isEqualTo(3);
        assertThat(t.clearStretch(3, 100, 0x3_1000, 0x1_0000, 2)).isEqualTo(3);
        assertThat(t.live()).isZero();
    }

    @Test
    void clearStretchStopsWhereShadowsAreNotConsecutive() {
        TceTable t = flat();
        t.fill(0, 3, 0x1003, 0x1000, 0x1_0000);
        t.fill(3, 3, 0x1003, 0x1000, 0x1_0000); // the same memory again: shadows restart
        assertThat(t.clearStretch(0, 100, 0x1000, 0x1_0000, 2)).isEqualTo(3);
        assertThat(t.get(3)).isEqualTo(0x1003);
        assertThat(t.live()).isEqualTo(3);
    }

    @Test
    void clearStretchStopsAtAnUnallocatedChunkAndAtTheTableEnd() {
        TceTable t = chunked();
        long last = (1L << 13) - 3;
        t.fill(last, 3, 0x1003, 0x1000, 0x1_0000); // ends at the end of chunk 0; chunk 1 is absent
        assertThat(t.clearStretch(last, Long.MAX_VALUE, 0x1000, 0x1_0000, 2)).isEqualTo(3);
        assertThat(t.live()).isZero();

        TceTable f = flat();
        f.fill(f.size() - 2, 2, 0x1003, 0x1000, 0x1_0000);
        assertThat(f.clearStretch(f.size() - 2, Long.MAX_VALUE, 0x1000, 0x1_0000, 2)).isEqualTo(2);
        assertThat(f.live()).isZero();
    }

    @Test
    void clearStretchAcrossChunksMatchesClearingOneByOne() {
        TceTable bulk = chunked();
        TceTable single = chunked();
        long from = (1L << 13) - 5;
        long count = (1L << 13) + 10;
        bulk.fill(from, count, 0x2003, 0x9000_0000L, 0x1_0000);
        for (long k = 0; k < count; k++) {
            single.exchange(from + k, 0x2003 + k * 0x1_0000, 0x9000_0000L + k * 0x1_0000);
        }
        long cut = from + count - 7;
        assertThat(bulk.clearStretch(from, cut, 0x9000_0000L, 0x1_0000, 2)).isEqualTo(cut - from);
        for (long i = from; i < cut; i++) {
            single.exchange(i, 0, 0);
        }
        assertThat(bulk.live()).isEqualTo(single.live()).isEqualTo(7);
        for (long i = from - 1; i <= from + count; i++) {
            assertThat(bulk.get(i)).as("entry %d", i).isEqualTo(single.get(i));
            assertThat(bulk.shadow(i)).as("shadow %d", i).isEqualTo(single.shadow(i));
        }
    }
}
