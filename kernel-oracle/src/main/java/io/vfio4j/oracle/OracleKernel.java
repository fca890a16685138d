package io.vfio4j.oracle;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A kernel the oracle boots: the Debian suite whose current amd64 kernel it is, and the model's
 * kernel era ({@code vfio4j.kernel}) that answers for it.
 */
public enum OracleKernel {
    /** Debian 12 bookworm: 6.1 LTS. */
    V6_1("6.1", "bookworm"),
    /** Debian 13 trixie: 6.12 LTS. */
    V6_12("6.12", "trixie"),
    /** Debian unstable (sid): 7.2 at the time of writing; the era follows the package. */
    V7_2("7.2", "sid");

    private final String era;
    private final String suite;

    OracleKernel(String era, String suite) {
        this.era = era;
        this.suite = suite;
    }

    public String era() {
        return era;
    }

    public String suite() {
        return suite;
    }

    /** {@code 6.1}, {@code 6.12}, {@code 7.2}. */
    public static Optional<OracleKernel> ofEra(String era) {
        return Arrays.stream(values()).filter(k -> k.era.equals(era)).findFirst();
    }

    /** {@code 6.1|6.12|7.2|all}, comma-separated lists allowed. */
    public static List<OracleKernel> parse(String spec) {
        if (spec.equals("all")) {
            return List.of(values());
        }
        return Arrays.stream(spec.split(","))
                .map(String::strip)
                .map(
                        e ->
                                ofEra(e).orElseThrow(
                                                () ->
                                                        new IllegalArgumentException(
                                                                "unknown kernel '"
                                                                        + e
                                                                        + "': use 6.1, 6.12, 7.2 or all")))
                .distinct()
                .toList();
    }
}
