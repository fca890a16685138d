package io.vfio4j.spapr;

import static io.vfio4j.spapr.PreregCursorTest.PAGE;
import static io.vfio4j.spapr.PreregCursorTest.region;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PreregRegistryTest {
    static final long HIGH = 0xFFFF_0000_0000_0000L; // above 2^63: sorts last, unsigned

    @Test
    void findsByExactStartAndSizeAndByContainment() {
        PreregRegion a = region(0x10_0000, 16, 4);
        PreregRegion b = region(HIGH, 16, 2);
        PreregRegion c = region(0x20_0000_0000L, 16, 1);
        PreregRegistry reg = new PreregRegistry();
        reg.add(b);
        reg.add(a);
        reg.add(c);
        assertThat(reg.regions()).containsExactly(a, c, b);

        assertThat(reg.findExact(0x10_0000, 4)).isSameAs(a);
        assertThat(reg.findExact(0x10_0000, 3)).isNull();
        assertThat(reg.findExact(0x10_0000 + PAGE, 3)).isNull();
        assertThat(reg.findExact(HIGH, 2)).isSameAs(b);

        assertThat(reg.findContaining(0x10_0000 + PAGE, 3 * PAGE)).isSameAs(a);
        assertThat(reg.findContaining(0x10_0000 + PAGE, 3 * PAGE + 1)).isNull();
        assertThat(reg.findContaining(0x0F_FFFF, 1)).isNull();
        assertThat(reg.findContaining(HIGH + PAGE, PAGE)).isSameAs(b);
        assertThat(reg.findContaining(HIGH - 1, 1)).isNull();
        assertThat(reg.findContaining(0x7FFF_FFFF_FFFF_0000L, PAGE)).isNull();
    }

    @Test
    void overlapLooksAtTheRegionBelowAndTheOneAbove() {
        PreregRegion a = region(0x10_0000, 16, 4);
        PreregRegion b = region(HIGH, 16, 2);
        PreregRegistry reg = new PreregRegistry();
        assertThat(reg.overlaps(0, 1L << 50)).isFalse();
        reg.add(a);
        reg.add(b);
        assertThat(reg.overlaps(0x10_0000 + 3 * PAGE, PAGE)).isTrue(); // below
        assertThat(reg.overlaps(0, 0x10_0001)).isTrue(); // above
        assertThat(reg.overlaps(0, 0x10_0000)).isFalse(); // ends where A starts
        assertThat(reg.overlaps(0x10_0000 + 4 * PAGE, PAGE)).isFalse(); // starts where A ends
        assertThat(reg.overlaps(HIGH - PAGE, 2 * PAGE)).isTrue();
    }

    @Test
    void removeTakesOnlyTheRegisteredRegion() {
        PreregRegion a = region(0x10_0000, 16, 4);
        PreregRegion twin = region(0x10_0000, 16, 4);
        PreregRegion b = region(0x40_0000, 16, 4);
        PreregRegistry reg = new PreregRegistry();
        reg.add(a);
        reg.add(b);
        reg.remove(twin); // same start, another region: not registered
        assertThat(reg.regions()).containsExactly(a, b);
        reg.remove(a);
        assertThat(reg.regions()).containsExactly(b);
        assertThat(reg.findContaining(0x10_0000, PAGE)).isNull();
        reg.remove(a);
        reg.remove(b);
        assertThat(reg.regions()).isEmpty();
        assertThat(reg.findContaining(0x40_0000, PAGE)).isNull();
    }

    @Test
    void addAtATakenStartReplaces() {
        PreregRegion a = region(0x10_0000, 16, 4);
        PreregRegion twin = region(0x10_0000, 16, 2);
        PreregRegistry reg = new PreregRegistry();
        reg.add(a);
        reg.add(twin);
        assertThat(reg.regions()).containsExactly(twin);
    }
}
