package io.vfio4j.cli.scenario;

import java.util.Map;
import java.util.Objects;

/**
 * One value a step expects after it ran, e.g. {@code locked_vm of qemu = 786432}.
 *
 * @param label what is checked, for messages
 * @param expected a {@code Long} or a {@code String}
 * @param probe reads the actual value
 * @param unit how to show numbers
 */
public record Check(String label, Object expected, Probe probe, Unit unit) {
    /** Reads a value from the run after the step. */
    @FunctionalInterface
    public interface Probe {
        Object read(ScenarioRun run, Map<String, Object> results);
    }

    /** How a checked number is shown. */
    public enum Unit {
        PAGES,
        BYTES,
        COUNT,
        ADDRESS,
        TEXT
    }

    /** What a probe returns when the value does not exist, with why (for the message). */
    public record Absent(String why) {}

    /** Null if the check holds, else the message. */
    String verify(ScenarioRun run, Map<String, Object> results) {
        Object actual = probe.read(run, results);
        if (Objects.equals(actual, expected)) {
            return null;
        }
        if (actual instanceof Absent a) {
            return "expected " + label + " = " + show(expected, run) + ", but " + a.why();
        }
        return "expected "
                + label
                + " = "
                + show(expected, run)
                + ", was "
                + (actual == null ? "(no value)" : show(actual, run));
    }

    private String show(Object v, ScenarioRun run) {
        if (!(v instanceof Long n)) {
            return "\"" + v + "\"";
        }
        return switch (unit) {
            case PAGES -> Sizes.count(n) + " pages (" + Sizes.human(n * run.pageSize()) + ")";
            case BYTES -> Sizes.human(n) + " (" + Sizes.count(n) + " bytes)";
            case ADDRESS -> Sizes.hex(n);
            default -> Sizes.count(n);
        };
    }
}
