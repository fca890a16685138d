package io.vfio4j.report;

import java.util.Objects;

/** One line of a summary: a name, its value as text, and how to colour it. */
public record KeyValue(String key, String value, Tone tone) {
    public KeyValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(tone, "tone");
    }

    public KeyValue(String key, String value) {
        this(key, value, Tone.NORMAL);
    }
}
