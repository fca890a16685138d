package io.vfio4j.cli.scenario;

import java.util.List;
import java.util.Map;

/**
 * One kind of step: its key in a scenario file, the parameters it accepts, the results it publishes
 * (which its {@code expect:} may check), and how it is parsed.
 *
 * @param summary one line for the documentation and error messages
 */
record StepKind(
        String key,
        List<String> params,
        Map<String, Check.Unit> results,
        String summary,
        Parser parser) {
    StepKind {
        params = List.copyOf(params);
        results = Map.copyOf(results);
    }

    /** Builds the step's action from its parameters, checking every reference. */
    @FunctionalInterface
    interface Parser {
        Action parse(Fields params, ParseContext ctx);
    }
}
