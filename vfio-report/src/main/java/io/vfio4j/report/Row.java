package io.vfio4j.report;

import java.util.List;
import java.util.Objects;

/** One table row: its cells as text, and how to colour it. */
public record Row(List<String> cells, Tone tone) {
    public Row {
        cells = List.copyOf(cells);
        Objects.requireNonNull(tone, "tone");
    }

    public Row(List<String> cells) {
        this(cells, Tone.NORMAL);
    }
}
