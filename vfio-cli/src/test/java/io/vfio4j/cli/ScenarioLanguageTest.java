package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vfio4j.cli.scenario.ScenarioParser;
import io.vfio4j.cli.scenario.ScenarioResult;
import io.vfio4j.cli.scenario.ScenarioRunner;
import io.vfio4j.cli.scenario.ScenarioSyntaxException;
import io.vfio4j.cli.scenario.StepResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 15: kernel answers a scenario file can state (counts the core judges, flags, sums). */
class ScenarioLanguageTest {
    /** The catalogue's type1 VM with an open vGPU and one mapping; steps appended are step 6 on. */
    static final String HEAD = ScenarioInputCatalogue.BASE;

    static ScenarioResult run(String steps) {
        return ScenarioRunner.standalone(true)
                .run(new ScenarioParser().parse("lang.yaml", HEAD + steps));
    }

    static List<StepResult> passed(String steps) {
        return allPassed(run(steps));
    }

    private static List<StepResult> allPassed(ScenarioResult r) {
        assertThat(r.steps())
                .allSatisfy(
                        s ->
                                assertThat(s.status())
                                        .as(
                                                "%s: %s %s %s",
                                                s.step(), s.outcome(), s.failures(), s.message())
                                        .isEqualTo(StepResult.Status.PASSED));
        return r.steps();
    }

    @Test
    void pinOfZeroOrNegativePagesIsEinvalFromTheCoreAndUnpinIsAWarn() {
        passed(
                """
                  - pin: {device: vgpu, iova: 0, pages: 0}
                    expect: {errno: EINVAL, locked_vm: 0, pinned_pages: 0, warnings: 0}
                  - pin: {device: vgpu, iova: 0, pages: -2147483648}
                    expect: {errno: EINVAL, pinned_pages: 0}
                  - pin: {device: vgpu, iova: 0, pages: 2}
                    expect: {locked_vm: 2, pinned_pages: 2, calls: 1}
                  - unpin: {device: vgpu, iova: 0, pages: 0}
                    expect: {pinned_pages: 2, warnings: 1}
                  - unpin: {device: vgpu, iova: 0, pages: -1}
                    expect: {pinned_pages: 2, warnings: 2}
                  - unpin: {device: vgpu, iova: 0, pages: 2}
                    expect: {pinned_pages: 0, locked_vm: 0, warnings: 2}
                """);
    }

    static final String POWER =
            """
            scenario: power
            host:
              platform: power
              page_size: 64KiB
              iommu_groups:
                - id: 1
                  tce: {dma32_start: 0, dma32_size: 2GiB, levels: 5}
            processes:
              - name: qemu
                memlock: 8GiB
                regions:
                  - {name: ram, vaddr: 0x10_0000_0000, size: 1GiB}
            containers:
              - {name: vm, iommu: SPAPR_TCE_v2}
            steps:
              - attach: {group: 1}
              - set_iommu: {}
            """;

    static List<StepResult> passedPower(String steps) {
        return allPassed(
                ScenarioRunner.standalone(true)
                        .run(new ScenarioParser().parse("power.yaml", POWER + steps)));
    }

    @Test
    void rawFlagWordsAndUnknownBitsReachTheType1Backend() {
        passed(
                """
                  - map: {vaddr: ram, iova: 1GiB, size: 4KiB, flags: READ|1<<3}
                    expect: {errno: EINVAL, mappings: 1}
                  - map: {vaddr: ram, iova: 1GiB, size: 4KiB, flags: 0x3}
                    expect: {mappings: 2}
                  - map: {vaddr: ram, iova: 2GiB, size: 4KiB, flags: [read, 0x2]}
                    expect: {mappings: 3}
                  - unmap: {iova: 1GiB, size: 4KiB, flags: 1<<5}
                    expect: {errno: EINVAL, mappings: 3}
                  - dirty_pages: {flags: START|STOP}
                    expect: {errno: EINVAL, details: {dirtyTracking: 0}}
                  - dirty_pages: {flags: 1<<3}
                    expect: {errno: EINVAL}
                  - dirty_pages: {flags: start}
                    expect: {details: {dirtyTracking: 1}}
                  - dirty_pages: {op: stop, argsz: 4}
                    expect: {errno: EINVAL, details: {dirtyTracking: 1}}
                """);
    }

    @Test
    void rawArgszFlagsAndOpsReachTheSpaprBackend() {
        passedPower(
                """
                  - spapr_get_info: {argsz: 8}
                    expect: {errno: EINVAL}
                  - spapr_get_info: {argsz: 16}
                    expect: {dma32_size: 2GiB}
                  - spapr_register: {vaddr: ram, flags: 1}
                    expect: {errno: EINVAL, locked_vm: 0}
                  - spapr_register: {vaddr: ram}
                    expect: {locked_vm: 16384}
                  - spapr_unregister: {vaddr: ram, flags: 1<<31}
                    expect: {errno: EINVAL, locked_vm: 16384}
                  - spapr_tce_create: {page_size: 64KiB, window_size: 1GiB, flags: 1}
                    expect: {errno: EINVAL, details: {windows: 0}}
                  - spapr_tce_create: {page_size: 64KiB, window_size: 1GiB, argsz: 16}
                    expect: {errno: EINVAL, details: {windows: 0}}
                  - spapr_tce_remove: {start: 0, flags: 0x10}
                    expect: {errno: EINVAL}
                  - eeh: {op: 42}
                    expect: {errno: EINVAL}
                  - eeh: {op: get_state, flags: 1}
                    expect: {errno: EINVAL}
                  - eeh: {op: 4}
                    expect: {value: 0}
                """);
    }

    @Test
    void aFlagWordThatIsNotOneIsRefusedWithItsPlace() {
        String text = HEAD + "  - map: {vaddr: ram, iova: 0, size: 4KiB, flags: READ|1<<40}\n";
        assertThat(catchThrowable(() -> new ScenarioParser().parse("lang.yaml", text)))
                .isInstanceOf(ScenarioSyntaxException.class)
                .hasMessage(
                        "lang.yaml:22:51: step 6 (map).flags: 'READ|1<<40' does not fit in a 32-bit"
                                + " flag word");
        String bad = HEAD + "  - map: {vaddr: ram, iova: 0, size: 4KiB, flags: READ|bogus}\n";
        assertThat(catchThrowable(() -> new ScenarioParser().parse("lang.yaml", bad)))
                .isInstanceOf(ScenarioSyntaxException.class)
                .hasMessage(
                        "lang.yaml:22:51: step 6 (map).flags: 'bogus' is not a flag: use read,"
                                + " vaddr, write, a number (8, 0x8, 1<<3) or a |-combination"
                                + " (READ|1<<3)");
    }

    @Test
    void addressesSubtract() {
        List<StepResult> steps =
                passed(
                        """
                          - cpu_write: {vaddr: ram+64MiB-4KiB, data: "top"}
                          - cpu_read: {vaddr: ram+2 pages-8KiB+63MiB+1MiB-1 page, length: 3}
                            expect: {data: "top"}
                          - unmap: {iova: 0, size: 64MiB}
                          - map: {vaddr: ram+1MiB-1MiB, iova: 0x2000_0000-256MiB, size: 4KiB}
                            expect: {mappings: 1, mapped: 4KiB}
                          - dma_write: {device: vgpu, iova: 0x1000_0000+16-16, data: "x"}
                          - cpu_read: {vaddr: ram, length: 1}
                            expect: {data: "x"}
                        """);
        assertThat(steps.get(5).step().action().describe())
                .isEqualTo("qemu writes \"top\" at ram+63MiB+1020KiB");
    }

    @Test
    void anAddressBelowZeroOrPast2To64IsRefusedWithItsPlace() {
        assertThat(refused("  - cpu_read: {vaddr: ram-0x11_0000_0000, length: 4}\n"))
                .isEqualTo(
                        "lang.yaml:22:23: step 6 (cpu_read).vaddr: 'ram-0x11_0000_0000' is below"
                                + " address 0");
        assertThat(
                        refused(
                                "  - map: {vaddr: ram, iova: 0xffff_ffff_ffff_f000+8KiB-1, size: 4KiB}\n"))
                .isEqualTo(
                        "lang.yaml:22:29: step 6 (map).iova: '0xffff_ffff_ffff_f000+8KiB-1' is"
                                + " past the top of the 64-bit address space");
        assertThat(refused("  - map: {vaddr: ram, iova: 4KiB-8KiB, size: 4KiB}\n"))
                .isEqualTo("lang.yaml:22:29: step 6 (map).iova: '4KiB-8KiB' is below address 0");
        assertThat(refused("  - map: {vaddr: ram-b, iova: 0, size: 4KiB}\n"))
                .startsWith(
                        "lang.yaml:22:18: step 6 (map).vaddr: 'ram-b' is neither an address nor a"
                                + " known region or window");
    }

    static String refused(String steps) {
        Throwable t = catchThrowable(() -> new ScenarioParser().parse("lang.yaml", HEAD + steps));
        assertThat(t).isInstanceOf(ScenarioSyntaxException.class);
        return t.getMessage();
    }

    static final String TWO =
            """
            scenario: two
            host:
              iommu_groups:
                - {id: 1}
            processes:
              - name: qemu
                memlock: 1GiB
                regions:
                  - {name: ram, vaddr: 0x10_0000_0000, size: 64MiB}
              - name: libvirt
                memlock: 1GiB
            containers:
              - {name: vm, iommu: TYPE1v2}
            steps:
              - attach: {group: 1, process: qemu}
              - set_iommu: {}
              - map: {vaddr: ram, iova: 0, process: qemu}
                expect: {locked_vm: 16384}
            """;

    @Test
    void detachByANamedProcessReadsThatProcessAndUnaccountsTheOwner() {
        ScenarioResult r =
                ScenarioRunner.standalone(true)
                        .run(
                                new ScenarioParser()
                                        .parse(
                                                "two.yaml",
                                                TWO
                                                        + """
                                                          - detach: {group: 1, by: libvirt}
                                                            expect: {locked_vm: 0}
                                                          - check: {}
                                                            expect: {locked_vm: {qemu: 0, libvirt: 0}}
                                                        """));
        assertThat(r.steps())
                .allSatisfy(
                        s ->
                                assertThat(s.status())
                                        .as("%s %s", s.outcome(), s.failures())
                                        .isEqualTo(StepResult.Status.PASSED));
        assertThat(r.steps().get(3).step().action().describe())
                .isEqualTo("detach group 1 by libvirt");
        assertThat(r.steps().get(3).step().action().process()).isEqualTo("libvirt");
        Throwable exited =
                catchThrowable(
                        () ->
                                new ScenarioParser()
                                        .parse(
                                                "two.yaml",
                                                TWO
                                                        + "  - exit: {process: qemu}\n"
                                                        + "  - detach: {group: 1, by: qemu}\n"));
        assertThat(exited)
                .isInstanceOf(ScenarioSyntaxException.class)
                .hasMessage(
                        "two.yaml:20:28: step 5 (detach).by: process 'qemu' exited at step 4; it"
                                + " can do nothing after that");
        assertThat(
                        catchThrowable(
                                () ->
                                        new ScenarioParser()
                                                .parse(
                                                        "two.yaml",
                                                        TWO
                                                                + "  - detach: {group: 1, by: nobody}\n")))
                .hasMessageStartingWith(
                        "two.yaml:19:28: step 4 (detach).by: no process named 'nobody'");
    }

    @Test
    void afterTheLastGroupLeavesCountsAreZeroAndDmaAvailIsRefusedClearly() {
        ScenarioResult r =
                ScenarioRunner.standalone(true)
                        .run(
                                new ScenarioParser()
                                        .parse(
                                                "two.yaml",
                                                TWO
                                                        + """
                                                          - detach: {group: 1}
                                                            expect: {mappings: 0, mapped: 0, pinned_pages: 0, pin_references: 0}
                                                          - check: {}
                                                            expect: {dma_avail: 65535}
                                                          - check: {}
                                                            expect: {details: {domains: 0}}
                                                        """));
        assertThat(r.steps().get(3).status()).isEqualTo(StepResult.Status.PASSED);
        assertThat(r.steps().get(4).failures())
                .containsExactly(
                        "expected dma avail of vm = 65,535, but container vm has no IOMMU backend"
                                + " (none set yet, or released when its last group left):"
                                + " dma_avail has no value");
        assertThat(r.steps().get(5).failures())
                .containsExactly(
                        "expected backend detail domains of vm = 0, but container vm has no IOMMU"
                                + " backend (none set yet, or released when its last group left):"
                                + " backend detail domains has no value");
    }

    @Test
    void jsonCarriesEachStepsNote() throws Exception {
        ScenarioResult r =
                ScenarioRunner.standalone(true)
                        .run(
                                new ScenarioParser()
                                        .parse(
                                                "two.yaml",
                                                TWO
                                                        + """
                                                          - check: {}
                                                            note: "the \\"why\\" of this step"
                                                        """));
        com.fasterxml.jackson.databind.JsonNode steps =
                new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(io.vfio4j.cli.scenario.JsonReport.write(List.of(r)))
                        .get("scenarios")
                        .get(0)
                        .get("steps");
        assertThat(steps.get(3).get("note").asText()).isEqualTo("the \"why\" of this step");
        assertThat(steps.get(2).has("note")).isFalse();
    }

    @Test
    void notificationsHostPagesPeaksWarnsAndInfoCapabilities() {
        List<StepResult> steps =
                passed(
                        """
                          - pin: {device: vgpu, iova: 4KiB, pages: 4}
                            expect:
                              locked_vm: 4
                              host_page: {vaddr: ram+4KiB, pins: 1, dirty: false}
                          - unpin: {device: vgpu, iova: 4KiB, pages: 1}
                            expect: {host_page: {vaddr: ram+4KiB, pins: 0, dirty: true}, peak_locked_vm: 4}
                          - check: {}
                            expect: {host_page: {vaddr: ram+8KiB, pins: 1, dirty: false}, notifications: {vgpu: 0}}
                          - unmap: {iova: 0, size: 64MiB}
                            expect:
                              locked_vm: 0
                              peak_locked_vm: {qemu: 4}
                              notifications: {vgpu: [{iova: 0, size: 64MiB}]}
                              host_page: {vaddr: ram+8KiB, pins: 0, dirty: true}
                          - unpin: {device: vgpu, iova: 0, pages: 0}
                            expect: {warnings: 1, warned: "npage=0"}
                          - get_info: {}
                            expect: {iova_ranges: 0, iova_range_list: "(none)", migration: 1}
                          - attach: {group: 1}
                          - get_info: {}
                            expect:
                              info_flags: 3
                              iova_ranges: 2
                              iova_range_list: "0x0-0xfedfffff, 0xfef00000-0xffffffffffff"
                              migration: 1
                              migration_page_sizes: 0x1000
                              migration_max_bitmap: 256MiB
                        """);
        assertThat(steps).hasSize(13);
    }

    @Test
    void modelExpectationsThatDoNotHoldSayWhy() {
        ScenarioResult r =
                run(
                        """
                          - check: {}
                            expect: {warned: "locked_vm underflow"}
                          - check: {}
                            expect: {notifications: {"0000:01:00.0": 0}}
                          - check: {}
                            expect: {host_page: {vaddr: 0x50_0000_0000, pins: 0}}
                          - check: {}
                            expect: {peak_locked_vm: 1}
                        """);
        assertThat(r.steps().get(5).failures())
                .containsExactly(
                        "expected a WARN containing = \"locked_vm underflow\", but no WARN contains"
                                + " it; WARNs so far: (none)");
        assertThat(r.steps().get(6).failures())
                .containsExactly(
                        "expected DMA-unmap notifications to 0000:01:00.0 = 0, but 0000:01:00.0 is"
                                + " not a live mdev: it has no vendor driver to notify");
        assertThat(r.steps().get(7).failures())
                .containsExactly(
                        "expected pins on the host page at 0x5000000000 of qemu = 0, but no host"
                                + " page backs 0x5000000000");
        assertThat(r.steps().get(8).failures())
                .containsExactly(
                        "expected peak locked_vm of qemu = 1 pages (4 KiB), was 0 pages (0 B)");
    }
}
