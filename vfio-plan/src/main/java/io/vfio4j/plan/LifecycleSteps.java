package io.vfio4j.plan;

import java.util.List;

/** The command line's {@code --then} words as lifecycle steps. */
public final class LifecycleSteps {
    private LifecycleSteps() {}

    /**
     * @throws IllegalArgumentException naming the word that is not a step
     */
    public static List<LifecycleStep> parse(List<String> words) {
        return words.stream().map(LifecycleStep::parse).toList();
    }
}
