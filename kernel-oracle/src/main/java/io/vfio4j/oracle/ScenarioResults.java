package io.vfio4j.oracle;

import java.util.List;
import java.util.Optional;

/**
 * The answers of one scenario.
 *
 * @param reopen after an {@code exit}: {@code 0} if the group could be opened again, else the errno
 * @param status the probe child's exit status (-1 when not reported)
 */
public record ScenarioResults(
        String name, List<ProbeResult> results, Optional<String> reopen, int status) {
    public ScenarioResults {
        results = List.copyOf(results);
    }

    public Optional<ProbeResult> result(String id) {
        return results.stream().filter(r -> r.id().equals(id)).findFirst();
    }
}
