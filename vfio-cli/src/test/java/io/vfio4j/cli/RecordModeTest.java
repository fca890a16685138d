package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Observe mode: {@code errno: any} and {@code run --record}. */
class RecordModeTest {
    @TempDir Path dir;

    static final String EXPLORE =
            ScenarioLanguageTest.HEAD
                    + """
                      # explore: what do these answer?
                      - pin: {device: vgpu, iova: 0, pages: 3}
                        expect: {errno: any}   # pinned?
                      - unmap: {iova: 0, size: 64MiB}
                        expect:
                          errno: any
                          locked_vm: 0
                      - pin: {device: vgpu, iova: 0, pages: 0}
                        expect: {errno: any, pinned_pages: 0}
                      - check_extension: {extension: UNMAP_ALL}
                        expect: {errno: ANY}
                        note: kept as written
                    """;

    @Test
    void anyRecordsWithoutAssertingAndRecordWritesTheAnswersIntoTheFile() throws Exception {
        Path f = dir.resolve("explore.yaml");
        Files.writeString(f, EXPLORE, StandardCharsets.UTF_8);

        CliRunner plain = CliRunner.run("run", f.toString());
        assertThat(plain.exitCode).as(plain.out() + plain.err()).isZero();
        assertThat(plain.out()).contains("EINVAL (observed)");
        assertThat(Files.readString(f)).isEqualTo(EXPLORE);

        CliRunner rec = CliRunner.run("run", "-q", "--record", f.toString());
        assertThat(rec.exitCode).as(rec.out() + rec.err()).isZero();
        assertThat(rec.out() + rec.err()).doesNotContain("Exception");
        String recorded = Files.readString(f);

        // The recorded file differs from the input only by the added expectations.
        assertThat(recorded)
                .isEqualTo(
                        EXPLORE.replace(
                                        "expect: {errno: any}   # pinned?",
                                        "expect: {errno: none, calls: 1}   # pinned?")
                                .replace(
                                        "      errno: any\n",
                                        "      errno: none\n      unmapped: 67108864\n")
                                .replace(
                                        "{errno: any, pinned_pages: 0}",
                                        "{errno: EINVAL, pinned_pages: 0}")
                                .replace("{errno: ANY}", "{errno: none, value: 1}"));

        CliRunner again = CliRunner.run("run", "-q", f.toString());
        assertThat(again.exitCode).as(again.out() + again.err()).isZero();

        // The recorded file now asserts: a changed answer fails.
        Files.writeString(f, recorded.replace("unmapped: 67108864", "unmapped: 4096"));
        CliRunner changedRun = CliRunner.run("run", "-q", f.toString());
        assertThat(changedRun.exitCode).isEqualTo(1);
    }

    static final String RECORD_TRUE =
            ScenarioLanguageTest.HEAD
                    + """
                      - pin: {device: vgpu, iova: 0, pages: 3}
                        expect: {record: true}   # the other spelling
                      - unmap: {iova: 0, size: 64MiB}
                        expect:
                          locked_vm: 0
                          record:   yes
                      - pin: {device: vgpu, iova: 0, pages: 0}
                        expect: {pinned_pages: 0, record: true}
                      - check: {}
                        expect: {record: false, locked_vm: 0}
                    """;

    @Test
    void recordTrueIsTheOtherSpellingOfErrnoAnyAndIsReplacedByTheAnswer() throws Exception {
        Path f = dir.resolve("record.yaml");
        Files.writeString(f, RECORD_TRUE, StandardCharsets.UTF_8);

        CliRunner plain = CliRunner.run("run", f.toString());
        assertThat(plain.exitCode).as(plain.out() + plain.err()).isZero();
        assertThat(plain.out()).contains("EINVAL (observed)");

        CliRunner rec = CliRunner.run("run", "-q", "--record", f.toString());
        assertThat(rec.exitCode).as(rec.out() + rec.err()).isZero();
        assertThat(Files.readString(f))
                .isEqualTo(
                        RECORD_TRUE
                                .replace(
                                        "expect: {record: true}   # the other",
                                        "expect: {errno: none, calls: 1}   # the other")
                                .replace(
                                        "      record:   yes\n",
                                        "      errno: none\n      unmapped: 67108864\n")
                                .replace(
                                        "{pinned_pages: 0, record: true}",
                                        "{pinned_pages: 0, errno: EINVAL}"));
        CliRunner again = CliRunner.run("run", "-q", f.toString());
        assertThat(again.exitCode).as(again.out() + again.err()).isZero();
    }

    @Test
    void recordTrueWithAnErrnoIsRefusedAtTheRecordKey() throws Exception {
        Path f = dir.resolve("both.yaml");
        Files.writeString(
                f,
                ScenarioLanguageTest.HEAD
                        + """
                          - check: {}
                            expect: {errno: none, record: true}
                        """,
                StandardCharsets.UTF_8);
        int line = (int) ScenarioLanguageTest.HEAD.lines().count() + 2;
        CliRunner r = CliRunner.run("run", f.toString());
        assertThat(r.exitCode).isEqualTo(4);
        assertThat(r.err())
                .contains(
                        "both.yaml:"
                                + line
                                + ":27: step 6 expect: record: true is the other spelling of"
                                + " errno: any; give one of them")
                .doesNotContain("Exception");
    }
}
