package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vfio4j.cli.scenario.ScenarioParser;
import io.vfio4j.cli.scenario.ScenarioResult;
import io.vfio4j.cli.scenario.ScenarioRunner;
import io.vfio4j.cli.scenario.ScenarioSyntaxException;
import io.vfio4j.cli.scenario.StepResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The steps of the iommufd native objects (docs/scenarios.md, "iommufd native objects"): the worked
 * run, what the parser refuses and where, observe mode and the JSON report.
 */
class NativeStepsTest {
    @TempDir Path dir;

    /** A host with two groups, one process with 64 MiB of RAM; steps follow. */
    static final String HEAD =
            """
            scenario: native
            host:
              iommu_groups: [{id: 1}, {id: 2}]
            processes:
              - name: qemu
                memlock: 1GiB
                regions: [{name: ram, vaddr: 0x10_0000_0000, size: 64MiB}]
            steps:
            """;

    private static ScenarioResult run(String steps) {
        return ScenarioRunner.standalone(true)
                .run(new ScenarioParser().parse("native.yaml", HEAD + steps));
    }

    private static String refused(String steps) {
        Throwable t = catchThrowable(() -> new ScenarioParser().parse("bad.yaml", HEAD + steps));
        assertThat(t).isInstanceOf(ScenarioSyntaxException.class);
        return t.getMessage();
    }

    @Test
    void theWorkedRunOfDocsScenariosPrintsWhatItShows() throws Exception {
        List<IommufdGuideTest.Run> runs =
                IommufdGuideTest.runs(Path.of("../docs/scenarios.md"), "<!-- scenarios:run -->");
        assertThat(runs).hasSize(1);
        IommufdGuideTest.check(runs);
    }

    /**
     * docs/iommufd.md: {@code ./vfio4j run -q
     * examples/scenarios/conformance/iommufd-native-*.yaml}.
     */
    @Test
    void theDocumentedConformanceCommandPassesEveryNativeCase() throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("run", "-q"));
        try (var files =
                Files.newDirectoryStream(
                        Path.of("../examples/scenarios/conformance"), "iommufd-native-*.yaml")) {
            files.forEach(p -> args.add(p.toString()));
        }
        assertThat(args).hasSize(2 + 38);
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        assertThat(r.exitCode).as(r.out() + r.err()).isZero();
        assertThat(r.out().lines())
                .hasSize(38)
                .allMatch(l -> l.startsWith("PASSED iommufd-native-"));
    }

    @Test
    void aSecondDeviceOfAnotherContextAndRawIdsReachTheKernel() {
        ScenarioResult r =
                run(
                        """
                          - iommufd_open: {as: a}
                          - iommufd_open: {as: b}
                          - ioas_alloc: {iommufd: a, as: ia}
                            expect: {id: 1}
                          - ioas_alloc: {iommufd: b, as: ib}
                            expect: {id: 1}
                          - device_bind: {iommufd: a, device: "0000:01:00.0"}
                            expect: {id: 2}
                          - device_bind: {iommufd: a, device: "0000:01:00.0"}
                            expect: {errno: EBUSY}
                          - device_attach: {iommufd: a, device: "0000:01:00.0", to: ia}
                            expect: {hwpt: 3}
                          - ioas_map: {iommufd: a, ioas: ia, vaddr: ram, iova: 0}
                            expect: {user_locked_vm: 16384, mappings: {a: 1, b: 0}, pinned_pages: 16384}
                          - ioas_map: {iommufd: b, ioas: ib, vaddr: ram, iova: 0}
                            expect: {user_locked_vm: 16384, mappings: {a: 1, b: 1}, pinned_pages: 0}
                          - iommufd_destroy: {iommufd: b, object: 2}
                            expect: {errno: ENOENT}
                          - iommufd_destroy: {iommufd: a, object: 2}
                            expect: {errno: EBUSY}
                          - iommufd_close: {iommufd: a}
                            expect: {user_locked_vm: 0, pinned_vm: 0, mappings: {a: 0, b: 1}}
                          - ioas_alloc: {iommufd: a}
                            expect: {errno: EBADF}
                        """);
        for (StepResult s : r.steps()) {
            assertThat(s.status())
                    .as("step %d %s", s.step().number(), s.failures())
                    .isEqualTo(StepResult.Status.PASSED);
        }
    }

    @Test
    void aChangedCounterFails() {
        ScenarioResult r =
                run(
                        """
                          - iommufd_open: {}
                          - ioas_alloc: {as: i}
                          - device_bind: {device: "0000:01:00.0", as: d}
                          - device_attach: {device: d, to: i}
                          - ioas_map: {ioas: i, vaddr: ram, iova: 0}
                            expect: {pinned_vm: 16383}
                        """);
        assertThat(r.passed()).isFalse();
        assertThat(r.steps().get(4).failures())
                .containsExactly(
                        "expected pinned_vm of qemu = 16,383 pages (63 MiB + 1020 KiB), was 16,384 pages"
                                + " (64 MiB)");
    }

    @Test
    void badValuesAreRefusedWithTheirFileLineAndColumn() {
        String open =
                "  - iommufd_open: {}\n  - ioas_alloc: {as: gpa}\n  - ioas_alloc: {as: shadow}\n";
        // The message docs/scenarios.md shows, at the value's line and column.
        assertThat(refused(open + "  - ioas_map: {ioas: gpu, vaddr: ram, iova: 0}\n"))
                .isEqualTo(
                        "bad.yaml:12:22: step 4 (ioas_map).ioas: 'gpu' is not an IOAS or a HWPT or"
                                + " a bound device made by an earlier step (or a raw object id);"
                                + " known: gpa, shadow");
        assertThat(refused("  - ioas_alloc: {as: i}\n"))
                .isEqualTo(
                        "bad.yaml:9:17: step 1 (ioas_alloc) needs an iommufd context: open one with"
                                + " an earlier iommufd_open step");
        assertThat(
                        refused(
                                "  - iommufd_open: {as: a}\n  - iommufd_open: {as: b}\n"
                                        + "  - ioas_alloc: {as: i}\n"))
                .isEqualTo(
                        "bad.yaml:11:17: step 3 (ioas_alloc): several iommufd contexts are open (a,"
                                + " b); say which with 'iommufd:'");
        assertThat(
                        refused(
                                "  - iommufd_open: {as: a}\n  - iommufd_open: {as: b}\n"
                                        + "  - ioas_alloc: {iommufd: a, as: i}\n"
                                        + "  - ioas_unmap: {iommufd: b, ioas: i, all: true}\n"))
                .isEqualTo(
                        "bad.yaml:12:36: step 4 (ioas_unmap).ioas: 'i' belongs to iommufd context a, not b");
        assertThat(refused("  - iommufd_open: {}\n  - iommufd_open: {}\n"))
                .isEqualTo(
                        "bad.yaml:10:19: step 2 (iommufd_open): the name 'iommufd' is already used by"
                                + " an earlier step");
        assertThat(refused(open + "  - ioas_alloc: {as: gpa}\n"))
                .isEqualTo(
                        "bad.yaml:12:22: step 4 (ioas_alloc).as: the name 'gpa' is already used by"
                                + " an earlier step");
        assertThat(refused("  - iommufd_open: {}\n  - device_bind: {device: vgpu}\n"))
                .isEqualTo(
                        "bad.yaml:10:27: step 2 (device_bind).device: 'vgpu' is not a PCI device of"
                                + " the host's IOMMU groups (only those have a cdev to bind)");
        assertThat(refused(open + "  - ioas_unmap: {ioas: gpa, iova: 0, size: 4KiB, all: true}\n"))
                .isEqualTo(
                        "bad.yaml:12:17: step 4 (ioas_unmap): give 'iova' and 'size', or 'all: true' (iova 0,"
                                + " size 2^64 - 1)");
        assertThat(
                        refused(
                                open
                                        + "  - ioas_allow_iovas: {ioas: gpa, ranges: [{start:"
                                        + " 0x2000, end: 0x1000}]}\n"))
                .isEqualTo(
                        "bad.yaml:12:44: step 4 (ioas_allow_iovas).ranges[0]: the range ends at"
                                + " 0x1000, below its start 0x2000 (or wraps)");
        assertThat(
                        refused(
                                open
                                        + "  - iommufd_option: {option: huge_pages, op: get,"
                                        + " object: gpa, value: 1}\n"))
                .isEqualTo(
                        "bad.yaml:12:64: step 4 (iommufd_option): a get returns the value: expect"
                                + " it ({value: N} under expect)");
        assertThat(refused(open + "  - iommufd_destroy: {object: 0x1_0000_0000}\n"))
                .isEqualTo(
                        "bad.yaml:12:31: step 4 (iommufd_destroy).object: 0x1_0000_0000 is out of"
                                + " range [0, 4,294,967,295]");
        // A context is not a container, and may not take a container's name.
        assertThat(
                        refused(
                                "  - iommufd_open: {}\n  - set_iommu: {container: iommufd, type:"
                                        + " TYPE1v2}\n"))
                .startsWith(
                        "bad.yaml:10:28: step 2 (set_iommu).container: no container named"
                                + " 'iommufd'");
        assertThat(
                        new ScenarioParser()
                                .parse(
                                        "ok.yaml",
                                        HEAD.replace(
                                                        "steps:\n",
                                                        "containers: [{name: vm}]\nsteps:\n")
                                                + "  - iommufd_open: {as: fd}\n"
                                                + "  - check: {}\n"
                                                + "    expect: {mappings: {fd: 0, vm: 0}}\n")
                                .steps())
                .hasSize(2);
        Throwable clash =
                catchThrowable(
                        () ->
                                new ScenarioParser()
                                        .parse(
                                                "bad.yaml",
                                                HEAD.replace(
                                                                "steps:\n",
                                                                "containers: [{name: vm}]\nsteps:\n")
                                                        + "  - iommufd_open: {as: vm}\n"));
        assertThat(clash)
                .hasMessage(
                        "bad.yaml:10:24: step 1 (iommufd_open).as: 'vm' is a container's name;"
                                + " give the context another with 'as:'");
        assertThat(refused(open + "  - iommufd_option: {option: dirty, op: get}\n"))
                .isEqualTo(
                        "bad.yaml:12:30: step 4 (iommufd_option).option: 'dirty' is not a number or"
                                + " one of huge_pages, rlimit_mode");
        assertThat(refused(open + "  - hwpt_alloc: {device: 2, ioas: gpa, flags: [nested]}\n"))
                .startsWith(
                        "bad.yaml:12:48: step 4 (hwpt_alloc).flags[0]: 'nested' is not a flag: use"
                                + " dirty_tracking, nest_parent");
    }

    @Test
    void observeModeRecordsTheAnswersOfNativeSteps() throws Exception {
        String text =
                HEAD
                        + """
                          - iommufd_open: {}
                          - ioas_alloc: {as: i}
                            expect: {record: true}
                          - ioas_map: {ioas: i, vaddr: ram, size: 4KiB}
                            expect: {errno: any}
                          - ioas_iova_ranges: {ioas: i}
                            expect:
                              errno: any
                          - ioas_unmap: {ioas: i, iova: 0, size: 4KiB}
                            expect: {errno: any}
                        """;
        Path f = dir.resolve("explore.yaml");
        Files.writeString(f, text, StandardCharsets.UTF_8);
        CliRunner rec = CliRunner.run("run", "-q", "--record", f.toString());
        assertThat(rec.exitCode).as(rec.out() + rec.err()).isZero();
        // Without a domain the alignment is 1, and the first automatic IOVA is one page up (M3).
        assertThat(Files.readString(f))
                .isEqualTo(
                        text.replace("{record: true}", "{errno: none, id: 1}")
                                .replace(
                                        "ram, size: 4KiB}\n    expect: {errno: any}",
                                        "ram, size: 4KiB}\n    expect: {errno: none, iova: 4096}")
                                .replace(
                                        "      errno: any\n",
                                        "      errno: none\n      alignment: 1\n"
                                                + "      iova_range_list:"
                                                + " \"0x0-0xffffffffffffffff\"\n"
                                                + "      iova_ranges: 1\n")
                                .replace(
                                        "iova: 0, size: 4KiB}\n    expect: {errno: any}",
                                        "iova: 0, size: 4KiB}\n    expect: {errno: ENOENT}"));
        CliRunner again = CliRunner.run("run", "-q", f.toString());
        assertThat(again.exitCode).as(again.out() + again.err()).isZero();
    }

    @Test
    void theJsonReportHasTheContextsStateAndTheStepsResults() throws Exception {
        Path f = dir.resolve("vm.yaml");
        Files.copy(Path.of("../examples/scenarios/iommufd-native-vm.yaml"), f);
        CliRunner r = CliRunner.run("run", "--json", f.toString());
        assertThat(r.exitCode).as(r.err()).isZero();
        JsonNode sc = new ObjectMapper().readTree(r.out()).get("scenarios").get(0);
        JsonNode attach = sc.get("steps").get(4);
        assertThat(attach.get("op").asText()).isEqualTo("device_attach");
        assertThat(attach.get("results").get("hwpt").asLong()).isEqualTo(3);
        JsonNode state = attach.get("containers").get("iommufd");
        assertThat(state.get("pinnedPages").asLong()).isEqualTo(16_384);
        assertThat(state.get("mappings").asLong()).isEqualTo(1);
        JsonNode summary = sc.get("containers").get(0);
        assertThat(summary.get("name").asText()).isEqualTo("iommufd");
        assertThat(summary.get("type").asText()).isEqualTo("(closed)");
        assertThat(summary.get("peakPinnedPages").asLong()).isEqualTo(16_896);
    }
}
