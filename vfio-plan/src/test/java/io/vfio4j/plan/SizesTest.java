package io.vfio4j.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void libvirtUnits() {
        assertThat(Sizes.scale("KiB", 1)).hasValue(1024);
        assertThat(Sizes.scale("k", 1)).hasValue(1024);
        assertThat(Sizes.scale("KB", 1)).hasValue(1000);
        assertThat(Sizes.scale("mb", 1)).hasValue(1_000_000);
        assertThat(Sizes.scale("G", 1)).hasValue(1L << 30);
        assertThat(Sizes.scale("TiB", 1)).hasValue(1L << 40);
        assertThat(Sizes.scale("bytes", 1024)).hasValue(1);
        assertThat(Sizes.scale("", 1024)).hasValue(1024);
        assertThat(Sizes.scale("KiBi", 1)).isEmpty();
        assertThat(Sizes.scale("x", 1)).isEmpty();
    }

    @Test
    void commandLineSizes() {
        assertThat(Sizes.parseBytes("512MiB")).isEqualTo(512L << 20);
        assertThat(Sizes.parseBytes("4G")).isEqualTo(4L << 30);
        assertThat(Sizes.parseBytes("4GB")).isEqualTo(4_000_000_000L);
        assertThat(Sizes.parseBytes("4096")).isEqualTo(4096);
        assertThatThrownBy(() -> Sizes.parseBytes("GiB"))
                .hasMessage("not a size: 'GiB' (e.g. 512MiB, 2GiB)");
        assertThatThrownBy(() -> Sizes.parseBytes("3furlongs"))
                .hasMessageStartingWith("unknown unit in '3furlongs'");
        assertThatThrownBy(() -> Sizes.parseBytes("99999999999EiB"))
                .hasMessage("size too large: '99999999999EiB'");
    }

    @Test
    void humanSizesAreExactWhenTheyCanBe() {
        assertThat(Sizes.human(0)).isEqualTo("0 B");
        assertThat(Sizes.human(4L << 30)).isEqualTo("4 GiB");
        assertThat(Sizes.human(4300210176L)).isEqualTo("4101 MiB");
        assertThat(Sizes.human(1536L << 20)).isEqualTo("1536 MiB");
        assertThat(Sizes.human(LibvirtLimit.UNLIMITED)).isEqualTo("8.00 PiB");
        assertThat(Sizes.human(1000)).isEqualTo("1000 B");
    }
}
