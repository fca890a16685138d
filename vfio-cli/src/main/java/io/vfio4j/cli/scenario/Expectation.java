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
public record Expectation(Optional<Errno> errno, boolean kernelBug, List<Check> checks) {
    public Expectation {
        checks = List.copyOf(checks);
    }

    static Expectation none() {
        return new Expectation(Optional.empty(), false, List.of());
    }

    /** How a step ended, as the expectation names it. */
    String outcome() {
        if (kernelBug) {
            return "kernel BUG";
        }
        return errno.map(Errno::name).orElse("ok");
    }
}
