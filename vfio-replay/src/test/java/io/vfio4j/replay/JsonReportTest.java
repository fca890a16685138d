package io.vfio4j.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON schema vfio4j-replay/1: every documented key, exact unsigned numbers. */
class JsonReportTest {
    @TempDir Path dir;

    @Test
    void writesEveryDocumentedKeyWithExactUnsignedNumbers() throws Exception {
        Path f = dir.resolve("t.log");
        Files.writeString(
                f,
                """
                vfio_listener_region_add_ram region_add [ram] 0x0 - 0x3fff [0x7f0000000000]
                vfio_listener_region_del region_del 0x0 - 0xffffffffffffffff
                a line that is no event
                """);
        StringWriter out = new StringWriter();
        try (JsonReport report = new JsonReport(out)) {
            ReplaySummary s =
                    Replay.prepare(f, Optional.empty(), ReplayOptions.defaults()).run(report);
            report.finish(s);
        }
        JsonNode j = new ObjectMapper().readTree(out.toString());
        assertThat(j.fieldNames())
                .toIterable()
                .containsExactly(
                        "schema",
                        "results",
                        "trace",
                        "fixture",
                        "memory",
                        "lines",
                        "calls",
                        "replayed",
                        "skipped",
                        "warnings",
                        "formats",
                        "host_page_size",
                        "peak_locked_vm_pages",
                        "peak_line",
                        "final_locked_vm_pages",
                        "final_mappings",
                        "final_mapped_bytes",
                        "min_memlock_bytes",
                        "first_failure",
                        "refused",
                        "differing");
        assertThat(j.get("results").get(0).fieldNames())
                .toIterable()
                .containsExactly(
                        "line",
                        "op",
                        "iova",
                        "size",
                        "errno",
                        "errno_name",
                        "unmapped",
                        "locked_vm_pages",
                        "recorded_errno",
                        "differs",
                        "source");
        JsonNode upper = j.get("results").get(2);
        assertThat(upper.get("iova").bigIntegerValue()).hasToString("9223372036854775808");
        assertThat(upper.get("size").bigIntegerValue()).hasToString("9223372036854775808");
        assertThat(j.get("results").get(1).get("unmapped").asLong()).isEqualTo(0x4000);
        assertThat(j.get("results").get(0).get("recorded_errno").isNull()).isTrue();
        assertThat(j.get("calls").asLong()).isEqualTo(3);
        assertThat(j.get("replayed").asLong()).isEqualTo(2);
        assertThat(j.get("skipped").get(0).get("line").asLong()).isEqualTo(3);
        assertThat(j.get("first_failure").isNull()).isTrue();
        assertThat(j.get("final_mappings").asLong()).isZero();
        assertThat(j.get("min_memlock_bytes").asLong()).isEqualTo(0x4000);
    }
}
