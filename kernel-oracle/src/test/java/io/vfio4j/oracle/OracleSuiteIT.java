package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fixed oracle suite on the three real kernels: boots each in QEMU, runs the suite, runs the
 * model at the kernel's era, and fails on any difference that is not listed. Never skipped: a
 * missing host tool or a kernel that cannot be fetched fails this test with the reason.
 */
class OracleSuiteIT {
    static String suite() throws IOException {
        try (InputStream in = KernelOracle.class.getResourceAsStream(OracleSuite.NAME)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void theSuiteAgreesWithEveryKernelOrDiffersOnlyAsListed() throws IOException {
        KernelOracle kernels = KernelOracle.create(OracleSettings.fromSystemProperties());
        OraclePlan plan = OraclePlan.of(ProbeProgram.parse("suite/type1.ops", suite()));
        OracleReport report =
                new Oracle(kernels, KnownDifferences.all())
                        .check(
                                "kernel oracle suite (type1.ops)",
                                plan,
                                List.of(OracleKernel.values()));
        String text = TextReport.render(report, false);
        Path out = Path.of("target", "oracle-suite.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, text);
        assertThat(report.kernels()).hasSize(3);
        for (KernelComparison k : report.kernels()) {
            assertThat(k.steps()).as(k.kernel().era()).hasSizeGreaterThan(100);
        }
        assertThat(report.passed()).as(text).isTrue();
    }
}
