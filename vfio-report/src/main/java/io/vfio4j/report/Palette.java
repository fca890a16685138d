package io.vfio4j.report;

/** Series colours: distinguishable, and none of them the red that marks failures. */
final class Palette {
    private static final String[] COLOURS = {
        "#1565c0", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#5d4037", "#455a64"
    };

    private Palette() {}

    static String colour(int index) {
        return COLOURS[index % COLOURS.length];
    }
}
