package io.vfio4j.type1;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IommuRunsTest {
    @Test
    void aSingleRunIsReadBackWithItsCounters() {
        IommuRuns runs = new IommuRuns();
        runs.add(0, 0x1000, 128, false);

        assertThat(runs.count()).isEqualTo(1);
        assertThat(runs.offset(0)).isZero();
        assertThat(runs.pfn(0)).isEqualTo(0x1000);
        assertThat(runs.pages(0)).isEqualTo(128);
        assertThat(runs.reserved(0)).isFalse();
        assertThat(runs.totalPages()).isEqualTo(128);
        assertThat(runs.pinnedPages()).isEqualTo(128);
    }

    @Test
    void manyRunsKeepTheirOrderAndReservedRunsAreNotPinned() {
        IommuRuns runs = new IommuRuns();
        for (int i = 0; i < 11; i++) {
            runs.add(i * 512L, 0x10_0000L + i * 0x1000L, 512, i % 3 == 0);
        }

        assertThat(runs.count()).isEqualTo(11);
        for (int i = 0; i < 11; i++) {
            assertThat(runs.offset(i)).isEqualTo(i * 512L);
            assertThat(runs.pfn(i)).isEqualTo(0x10_0000L + i * 0x1000L);
            assertThat(runs.pages(i)).isEqualTo(512);
            assertThat(runs.reserved(i)).isEqualTo(i % 3 == 0);
        }
        // Runs 0, 3, 6 and 9 are reserved.
        assertThat(runs.totalPages()).isEqualTo(11 * 512);
        assertThat(runs.pinnedPages()).isEqualTo(7 * 512);
    }

    @Test
    void removeLastTakesBackTheLastRunsPages() {
        IommuRuns runs = new IommuRuns();
        runs.add(0, 0x1000, 16, false);
        runs.add(16, 0x9000, 4, true);
        runs.add(20, 0x2000, 8, false);

        runs.removeLast();
        assertThat(runs.count()).isEqualTo(2);
        assertThat(runs.totalPages()).isEqualTo(20);
        assertThat(runs.pinnedPages()).isEqualTo(16);
        runs.removeLast();
        assertThat(runs.totalPages()).isEqualTo(16);
        assertThat(runs.pinnedPages()).isEqualTo(16);
        runs.removeLast();
        assertThat(runs.count()).isZero();
        assertThat(runs.totalPages()).isZero();
        assertThat(runs.pinnedPages()).isZero();
    }

    @Test
    void afterClearTheRunsAreAddedAfresh() {
        IommuRuns runs = new IommuRuns();
        for (int i = 0; i < 6; i++) {
            runs.add(i, 100 + i, 1, false);
        }
        runs.clear();
        assertThat(runs.count()).isZero();
        assertThat(runs.totalPages()).isZero();
        assertThat(runs.pinnedPages()).isZero();

        runs.add(0, 7, 2, true);
        runs.add(2, 9, 3, false);
        assertThat(runs.pfn(0)).isEqualTo(7);
        assertThat(runs.reserved(0)).isTrue();
        assertThat(runs.pfn(1)).isEqualTo(9);
        assertThat(runs.offset(1)).isEqualTo(2);
        assertThat(runs.pages(1)).isEqualTo(3);
        assertThat(runs.totalPages()).isEqualTo(5);
        assertThat(runs.pinnedPages()).isEqualTo(3);
    }
}
