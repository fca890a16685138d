package io.vfio4j.spapr;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The examples of docs/reference/spapr-tce.md §4. */
class TableSizeCalculatorTest {
    private static final long GIB = 1L << 30;
    private final TableSizeCalculator s16 = new TableSizeCalculator(16);

    private long pages(TableSizeCalculator c, int p, long w, int n, int s) {
        return c.tableBytes(p, w, n) >> s;
    }

    @Test
    void referenceExamplesWith64KiBPages() {
        assertThat(pages(s16, 12, 2 * GIB, 1, 16)).isEqualTo(128);
        assertThat(pages(s16, 16, 64 * GIB, 1, 16)).isEqualTo(256);
        assertThat(pages(s16, 16, 64 * GIB, 2, 16)).isEqualTo(258);
        assertThat(pages(s16, 24, 64 * GIB, 1, 16)).isEqualTo(2);
    }

    @Test
    void defaultWindowWith4KiBPagesCosts2048Pages() {
        assertThat(pages(new TableSizeCalculator(12), 12, 2 * GIB, 1, 12)).isEqualTo(2048);
    }

    @Test
    void invalidGeometriesSizeToZero() {
        assertThat(s16.tableBytes(16, 3 * GIB, 1)).isZero();
        assertThat(s16.tableBytes(16, 64 * GIB, 0)).isZero();
        assertThat(s16.tableBytes(16, 64 * GIB, 6)).isZero();
        assertThat(s16.tableBytes(16, 4096, 1)).isZero();
    }

    @Test
    void addressBitLimit() {
        assertThat(s16.addressable(12, 1L << 55, 1)).isFalse();
        assertThat(s16.addressable(12, 1L << 54, 1)).isTrue();
        assertThat(s16.addressable(16, 1L << 40, 2)).isTrue();
        // chunks are at least one 64 KiB page (13 index bits): three levels already reach 55 bits
        assertThat(s16.addressable(16, 1L << 40, 3)).isFalse();
    }
}
