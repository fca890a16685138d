package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vfio4j.cli.scenario.ScenarioParser;
import io.vfio4j.cli.scenario.ScenarioResult;
import io.vfio4j.cli.scenario.ScenarioRunner;
import io.vfio4j.cli.scenario.ScenarioSyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The steps of the SPI 1.6 native calls (docs/scenarios.md, "Memory files, CHANGE_PROCESS, dirty
 * tracking, mdevs on /dev/iommu"): what the parser refuses and where, the answers they give, and
 * observe mode.
 */
class NativeFileStepsTest {
    @TempDir Path dir;

    /**
     * Group 1 tracks dirty pages, group 2 does not; one process with 64 MiB of RAM; an mdev parent.
     */
    static final String HEAD =
            """
            scenario: native-files
            host:
              iommu_groups: [{id: 1, dirty_tracking: true}, {id: 2}]
              mdev_parents:
                - device: "0000:00:02.0"
                  types: [{name: i915-GVTg_V5_4, vendor: well-behaved}]
            processes:
              - name: qemu
                memlock: 1GiB
                regions: [{name: ram, vaddr: 0x10_0000_0000, size: 64MiB}]
            steps:
              - iommufd_open: {}
              - ioas_alloc: {as: i}
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
    void badValuesAreRefusedWithTheirFileLineAndColumn() {
        assertThat(refused("  - ioas_map_file: {ioas: i, memfd: f, size: 4KiB}\n"))
                .isEqualTo(
                        "bad.yaml:14:37: step 3 (ioas_map_file).memfd: 'f' is not a memory file"
                                + " made by an earlier memfd_create step; known: (none)");
        assertThat(refused("  - memfd_create: {size: 0, as: f}\n"))
                .isEqualTo(
                        "bad.yaml:14:26: step 3 (memfd_create).size: '0' is out of range [1 B,"
                                + " 1 TiB]");
        assertThat(
                        refused(
                                "  - memfd_create: {size: 8KiB, as: f}\n"
                                        + "  - memfd_truncate: {memfd: f, size: 12KiB}\n"))
                .isEqualTo(
                        "bad.yaml:15:38: step 4 (memfd_truncate).size: '12KiB' is out of range"
                                + " [0 B, 8 KiB]");
        assertThat(refused("  - memfd_create: {size: 4KiB, as: i}\n"))
                .isEqualTo(
                        "bad.yaml:14:36: step 3 (memfd_create).as: the name 'i' is already used by"
                                + " an earlier step");
        assertThat(refused("  - hwpt_set_dirty_tracking: {hwpt: 3, enable: true, flags: 1}\n"))
                .isEqualTo(
                        "bad.yaml:14:30: step 3 (hwpt_set_dirty_tracking): give 'enable' (true or"
                                + " false) or a raw 'flags' word, not both");
        assertThat(refused("  - hwpt_get_dirty_bitmap: {hwpt: h, iova: 0, size: 4KiB}\n"))
                .startsWith(
                        "bad.yaml:14:35: step 3 (hwpt_get_dirty_bitmap).hwpt: 'h' is not an IOAS");
        assertThat(refused("  - device_bind: {device: 0000:09:00.0}\n"))
                .isEqualTo(
                        "bad.yaml:14:27: step 3 (device_bind).device: '0000:09:00.0' is not a PCI"
                                + " device of the host's IOMMU groups or an mdev made by an"
                                + " earlier mdev_create step (only those have a cdev to bind)");
    }

    @Test
    void dirtyTrackingReportsTheDevicesWritesPerPageSizeAndTheKernelsErrnos() {
        ScenarioResult r =
                run(
                        """
                          - ioas_map: {ioas: i, vaddr: ram, iova: 0, size: 16MiB}
                          - device_bind: {device: "0000:02:00.0", as: d2}
                          - hwpt_alloc: {device: d2, ioas: i, flags: [dirty_tracking]}
                            expect: {errno: EOPNOTSUPP}
                          - device_bind: {device: "0000:01:00.0", as: d1}
                          - hwpt_alloc: {device: d1, ioas: i, flags: [dirty_tracking], as: h}
                            expect: {id: 4, pinned_vm: 4096, user_locked_vm: 4096}
                          - device_attach: {device: d1, to: h}
                          - hwpt_set_dirty_tracking: {hwpt: h, flags: 2}
                            expect: {errno: EOPNOTSUPP}
                          - hwpt_set_dirty_tracking: {hwpt: i, enable: true}
                            expect: {errno: ENOENT}
                          - dma_write: {device: "0000:01:00.0", iova: 0x5000, data: "before"}
                          - hwpt_set_dirty_tracking: {hwpt: h, enable: true}
                          - hwpt_get_dirty_bitmap: {hwpt: h, iova: 0, size: 16MiB}
                            expect: {dirty_bits: 0, dirty: ""}
                          - dma_write: {device: "0000:01:00.0", iova: 0x7ffffe, hex: "01 02 03 04"}
                          - hwpt_get_dirty_bitmap: {hwpt: h, iova: 0, size: 16MiB, flags: [no_clear]}
                            expect: {dirty_bits: 2, dirty: "0x7ff000-0x800fff"}
                          - hwpt_get_dirty_bitmap: {hwpt: h, iova: 0, size: 16MiB, page_size: 4MiB}
                            expect: {dirty_bits: 2, dirty: "0x400000-0xbfffff"}
                          - hwpt_get_dirty_bitmap: {hwpt: h, iova: 0, size: 16MiB}
                            expect: {dirty_bits: 0}
                          - hwpt_get_dirty_bitmap: {hwpt: h, iova: 0, size: 16MiB, flags: 2}
                            expect: {errno: EOPNOTSUPP}
                          - hwpt_get_dirty_bitmap: {hwpt: h, iova: 0, size: 16MiB, reserved: 1}
                            expect: {errno: EOPNOTSUPP}
                          - hwpt_get_dirty_bitmap: {hwpt: h, iova: 0x800, size: 4KiB}
                            expect: {errno: EINVAL}
                          - hwpt_set_dirty_tracking: {hwpt: h, enable: false}
                          - dma_write: {device: "0000:01:00.0", iova: 0x5000, data: "after"}
                          - hwpt_get_dirty_bitmap: {hwpt: h, iova: 0, size: 16MiB}
                            expect: {dirty_bits: 0, pinned_vm: 4096}
                        """);
        assertThat(r.passed()).as("%s", r.steps()).isTrue();
    }

    @Test
    void aChangedDirtyCountFails() {
        ScenarioResult r =
                run(
                        """
                          - ioas_map: {ioas: i, vaddr: ram, iova: 0, size: 2MiB}
                          - device_bind: {device: "0000:01:00.0", as: d1}
                          - hwpt_alloc: {device: d1, ioas: i, flags: [dirty_tracking], as: h}
                          - device_attach: {device: d1, to: h}
                          - hwpt_set_dirty_tracking: {hwpt: h, enable: true}
                          - dma_write: {device: "0000:01:00.0", iova: 0x1000, data: "x"}
                          - hwpt_get_dirty_bitmap: {hwpt: h, iova: 0, size: 2MiB}
                            expect: {dirty_bits: 2}
                        """);
        assertThat(r.passed()).isFalse();
    }

    @Test
    void anMdevBoundToAContextPinsThroughItsAccessAndIsToldOfUnmaps() {
        ScenarioResult r =
                run(
                        """
                          - mdev_create: {parent: "0000:00:02.0", type: i915-GVTg_V5_4, uuid: 6a1f3c2e-0d4b-4e8a-9c71-2b5d8e9f0a13, as: vgpu}
                          - pin: {device: vgpu, iova: 0, pages: 1}
                            expect: {errno: EINVAL}
                          - device_bind: {device: vgpu, as: e}
                            expect: {id: 2}
                          - pin: {device: vgpu, iova: 0, pages: 1}
                            expect: {errno: ENOENT}
                          - device_attach: {device: e, to: i}
                          - ioas_map: {ioas: i, vaddr: ram, iova: 0, size: 4MiB}
                          - pin: {device: vgpu, iova: 0x10000, pages: 600, chunk: 600}
                            expect: {calls: 1, pinned_vm: 600, user_locked_vm: 600}
                          - iommufd_destroy: {object: i}
                            expect: {errno: EBUSY}
                          - ioas_unmap: {ioas: i, all: true}
                            expect:
                              unmapped: 4MiB
                              notifications: {vgpu: [{iova: 0, size: 4MiB}]}
                              pinned_vm: 0
                          - close_device: {device: vgpu}
                          - iommufd_destroy: {object: i}
                            expect: {details: {ioases: 0, devices: 0}}
                        """);
        assertThat(r.passed()).as("%s", r.steps()).isTrue();
    }

    @Test
    void observeModeRecordsTheAnswersOfTheNewSteps() throws Exception {
        String text =
                HEAD
                        + """
                          - device_bind: {device: "0000:01:00.0", as: d1}
                          - device_attach: {device: d1, to: i}
                          - memfd_create: {size: 8KiB, as: f}
                          - ioas_map_file: {ioas: i, memfd: f, size: 12KiB, iova: 0}
                            expect: {record: true}
                          - ioas_map_file: {ioas: i, memfd: f, size: 8KiB}
                            expect: {record: true}
                          - ioas_change_process: {}
                            expect: {record: true}
                        """;
        Path f = dir.resolve("explore.yaml");
        Files.writeString(f, text, StandardCharsets.UTF_8);
        CliRunner rec = CliRunner.run("run", "-q", "--record", f.toString());
        assertThat(rec.exitCode).as(rec.out() + rec.err()).isZero();
        // 12 KiB of an 8 KiB file: page 2 is past its end (F3); 8 KiB lands at the first free
        // 8 KiB-aligned IOVA above 0 (M3).
        assertThat(Files.readString(f))
                .isEqualTo(
                        text.replaceFirst("\\{record: true}", "{errno: EINVAL}")
                                .replaceFirst("\\{record: true}", "{errno: none, iova: 8192}")
                                .replaceFirst("\\{record: true}", "{errno: none}"));
        CliRunner again = CliRunner.run("run", "-q", f.toString());
        assertThat(again.exitCode).as(again.out() + again.err()).isZero();
    }
}
