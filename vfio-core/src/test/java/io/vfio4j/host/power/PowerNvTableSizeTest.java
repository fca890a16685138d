package io.vfio4j.host.power;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The table-size examples of docs/reference/spapr-tce.md §4. */
class PowerNvTableSizeTest {
    private static final long GIB = 1L << 30;

    @Test
    void referenceExamples() {
        assertThat(PowerNvTableSize.tableBytes(12, 2 * GIB, 1, 16) >> 16).isEqualTo(128);
        assertThat(PowerNvTableSize.tableBytes(16, 64 * GIB, 1, 16) >> 16).isEqualTo(256);
        assertThat(PowerNvTableSize.tableBytes(16, 64 * GIB, 2, 16) >> 16).isEqualTo(258);
        assertThat(PowerNvTableSize.tableBytes(24, 64 * GIB, 1, 16) >> 16).isEqualTo(2);
        assertThat(PowerNvTableSize.tableBytes(12, 2 * GIB, 1, 12) >> 12).isEqualTo(2048);
    }

    @Test
    void invalidGeometryIsZero() {
        assertThat(PowerNvTableSize.tableBytes(16, 3 * GIB, 1, 16)).isZero();
        assertThat(PowerNvTableSize.tableBytes(16, 64 * GIB, 0, 16)).isZero();
        assertThat(PowerNvTableSize.tableBytes(16, 64 * GIB, 6, 16)).isZero();
    }
}
