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
}
