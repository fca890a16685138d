package io.vfio4j.report;

/** How a value or a table row is coloured: the meaning, never the colour itself. */
public enum Tone {
    NORMAL,
    GOOD,
    BAD,
    MUTED;

    String cssClass() {
        return switch (this) {
            case NORMAL -> "";
            case GOOD -> "good";
            case BAD -> "bad";
            case MUTED -> "muted";
        };
    }
}
