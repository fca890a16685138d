package io.vfio4j.cli.scenario;

import io.vfio4j.api.Errno;
import java.util.List;
import java.util.Optional;

/**
 * What a step expects: how it ends (success, an errno, or a kernel BUG) and the values to check
 * afterwards.
 *
 * @param errno the errno the step must fail with; empty means it must succeed
 * @param kernelBug the step must end in a kernel BUG (the scenario stops after it)
 */
public record Expectation(
        Optional<Errno> errno, boolean kernelBug, List<Check> checks, Optional<Observe> observe) {
    /** The outcome of an {@code errno: any} step: success or any errno, recorded, not asserted. */
    public static final String ANY = "any";

    /**
     * Where {@code errno: any} (or its other spelling {@code record: true}) is written, so {@code
     * run --record} can write the observed answer there.
     *
     * @param line 1-based line of the text to replace
     * @param column 1-based column where it starts
     * @param length its length: the {@code any} value, or the whole {@code record: true} entry
     * @param prefix written before the errno ({@code "errno: "} when the entry is replaced)
     * @param keyColumn 1-based column of the key (block style indentation)
     * @param flow whether the expect map is written in flow style ({@code {errno: any}})
     * @param present the keys the expect map already has (never written twice)
     */
    public record Observe(
            int line,
            int column,
            int length,
            String prefix,
            int keyColumn,
            boolean flow,
            List<String> present) {
        public Observe {
            present = List.copyOf(present);
        }
    }

    public Expectation {
        checks = List.copyOf(checks);
    }

    Expectation(Optional<Errno> errno, boolean kernelBug, List<Check> checks) {
        this(errno, kernelBug, checks, Optional.empty());
    }

    static Expectation none() {
        return new Expectation(Optional.empty(), false, List.of());
    }

    /** How a step ended, as the expectation names it. */
    String outcome() {
        if (kernelBug) {
            return "kernel BUG";
        }
        if (observe.isPresent()) {
            return ANY;
        }
        return errno.map(Errno::name).orElse("ok");
    }

    /** Whether a step that ended with {@code outcome} ended as expected. */
    boolean matches(String outcome) {
        if (observe.isPresent()) {
            return outcome.equals("ok")
                    || java.util.Arrays.stream(Errno.values())
                            .anyMatch(e -> e.name().equals(outcome));
        }
        return outcome().equals(outcome);
    }
}
