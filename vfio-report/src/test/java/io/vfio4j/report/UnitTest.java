package io.vfio4j.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UnitTest {
    @Test
    void bytesAndPagesReadAsBinaryMemorySizes() {
        assertThat(Unit.BYTES.label(0)).isEqualTo("0 B");
        assertThat(Unit.BYTES.label(1L << 30)).isEqualTo("1 GiB");
        assertThat(Unit.BYTES.label(3L << 29)).isEqualTo("1.5 GiB");
        assertThat(Unit.PAGES_4K.label(262144)).isEqualTo("1 GiB");
        assertThat(Unit.BYTES.label(5L << 28)).isEqualTo("1.25 GiB");
        assertThat(Unit.BYTES.label(1000)).isEqualTo("1000 B");
        assertThat(Unit.pages(65536).label(3)).isEqualTo("192 KiB");
        assertThat(Unit.COUNT.label(1234567)).isEqualTo("1,234,567");
    }

    @Test
    void ticksFallOnRoundSteps() {
        assertThat(Unit.COUNT.step(1_000_000, 8)).isEqualTo(200_000);
        assertThat(Unit.COUNT.step(7, 8)).isEqualTo(1);
        assertThat(Unit.BYTES.step(3L << 30, 6)).isEqualTo(1L << 29);
        assertThat(Unit.pages(4096).step(262144, 6)).isEqualTo(65536);
    }

    @Test
    void aPageSizeMustBeAPowerOfTwo() {
        assertThatThrownBy(() -> Unit.pages(3000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("page size must be a power of two: 3000");
    }
}
