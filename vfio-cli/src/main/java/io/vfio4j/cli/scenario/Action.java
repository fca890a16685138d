package io.vfio4j.cli.scenario;

import java.util.Map;

/** What a step does. Built by the parser with every reference checked; run by the executor. */
public interface Action {
    /** A one-line description for the trace, e.g. {@code map ram 3 GiB -> iova 0x0 rw}. */
    String describe();

    /** The process the step acts as or on, for the trace's locked_vm column (may be null). */
    default String process() {
        return null;
    }

    /** The container the step acts on, for the trace's pins and mappings columns (may be null). */
    default String container() {
        return null;
    }

    /**
     * Runs the step.
     *
     * @return named results (numbers as {@code Long}, data as {@code String}) that expectations and
     *     the trace can read
     * @throws io.vfio4j.api.VfioException when the operation is refused with an errno
     */
    Map<String, Object> run(ScenarioRun run);
}
