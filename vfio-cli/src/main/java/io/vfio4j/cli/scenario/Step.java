package io.vfio4j.cli.scenario;

/**
 * One step of a scenario.
 *
 * @param number 1-based position
 * @param line the line of the step in its file
 * @param op the operation key, e.g. {@code map}
 * @param note optional text shown in the trace
 */
public record Step(
        int number, int line, String op, Action action, Expectation expect, String note) {}
