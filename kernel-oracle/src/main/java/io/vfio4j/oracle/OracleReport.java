package io.vfio4j.oracle;

import java.util.List;

/** The model against each kernel asked for, and the steps no kernel here can check. */
public record OracleReport(
        String title, List<KernelComparison> kernels, List<OraclePlan.Unchecked> unchecked) {
    public OracleReport {
        kernels = List.copyOf(kernels);
        unchecked = List.copyOf(unchecked);
    }

    /** Every kernel agrees with the model, or differs only as listed. */
    public boolean passed() {
        return kernels.stream().allMatch(KernelComparison::passed);
    }
}
