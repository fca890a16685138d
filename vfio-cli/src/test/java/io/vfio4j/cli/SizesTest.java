package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.cli.scenario.Sizes;
import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void parsesIntegersHexUnitsSumsAndPages() {
        assertThat(Sizes.parse("4096")).isEqualTo(4096);
        assertThat(Sizes.parse("0x1_0000_0000")).isEqualTo(1L << 32);
        assertThat(Sizes.parse("4KiB")).isEqualTo(4096);
        assertThat(Sizes.parse("256 MiB")).isEqualTo(256L << 20);
        assertThat(Sizes.parse("3GiB")).isEqualTo(3L << 30);
        assertThat(Sizes.parse("1TiB")).isEqualTo(1L << 40);
        assertThat(Sizes.parse("4GiB+64MiB")).isEqualTo(1_064_960L * 4096);
        assertThat(Sizes.parse("1064960 pages", 4096)).isEqualTo(1_064_960L * 4096);
        assertThat(Sizes.parse("0x800_0000_0000_0000")).isEqualTo(1L << 59);
    }

    @Test
    void refusesWhatItDoesNotKnowAndSaysWhatItAccepts() {
        assertThatThrownBy(() -> Sizes.parse("4GB"))
                .hasMessageContaining("unknown unit 'GB'")
                .hasMessageContaining("KiB");
        assertThatThrownBy(() -> Sizes.parse("lots")).hasMessageContaining("is not a size");
        assertThatThrownBy(() -> Sizes.parse("10 pages"))
                .hasMessageContaining("page count is not allowed");
    }

    @Test
    void printsExactHumanSizesAndPageCounts() {
        assertThat(Sizes.human(3L << 30)).isEqualTo("3 GiB");
        assertThat(Sizes.human((4L << 30) + (64L << 20))).isEqualTo("4 GiB + 64 MiB");
        assertThat(Sizes.human(512)).isEqualTo("512 B");
        assertThat(Sizes.pages(786_432, 4096)).isEqualTo("3 GiB (786,432 pages)");
        assertThat(Sizes.pages(1, 4096)).isEqualTo("4 KiB (1 page)");
        assertThat(Sizes.pages(0, 4096)).isEqualTo("0");
    }
}
