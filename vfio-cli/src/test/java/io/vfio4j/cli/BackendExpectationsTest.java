package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vfio4j.cli.scenario.ScenarioParser;
import io.vfio4j.cli.scenario.ScenarioResult;
import io.vfio4j.cli.scenario.ScenarioRunner;
import io.vfio4j.cli.scenario.ScenarioSyntaxException;
import io.vfio4j.cli.scenario.StepResult;
import org.junit.jupiter.api.Test;

/**
 * The expectations of what a backend holds on to: {@code cached_mm}, {@code mm_references} and one
 * TCE's permission bits ({@code tce}); docs/scenarios.md, expect.
 */
class BackendExpectationsTest {
    /** A SPAPR v2 container and two processes; appended steps are step 3 on, line 20 on. */
    static final String SPAPR =
            """
            scenario: spapr
            host:
              platform: power
              iommu_groups:
                - id: 1
                  tce: {dma32_start: 0, dma32_size: 2GiB}
            processes:
              - name: qemu
                memlock: 8GiB
                regions:
                  - {name: ram, vaddr: 0x10_0000_0000, size: 1GiB}
              - name: other
                memlock: 8GiB
            containers:
              - {name: vm, iommu: SPAPR_TCE_v2}
            steps:
              - attach: {group: 1, process: qemu}
              - set_iommu: {}
            """;

    static ScenarioResult run(String head, String steps) {
        return ScenarioRunner.standalone(true)
                .run(new ScenarioParser().parse("backend.yaml", head + steps));
    }

    static String refused(String head, String steps) {
        Throwable t =
                catchThrowable(() -> new ScenarioParser().parse("backend.yaml", head + steps));
        assertThat(t).isInstanceOf(ScenarioSyntaxException.class);
        return t.getMessage();
    }

    private static void allPassed(ScenarioResult r) {
        assertThat(r.steps())
                .allSatisfy(
                        s ->
                                assertThat(s.status())
                                        .as(
                                                "%s: %s %s %s",
                                                s.step(), s.outcome(), s.failures(), s.message())
                                        .isEqualTo(StepResult.Status.PASSED));
    }

    @Test
    void spaprCachesTheMmOfItsFirstRegisterAndTcesCarryTheMapsPermissions() {
        allPassed(
                run(
                        SPAPR,
                        """
                          - check: {}
                            expect: {cached_mm: none, mm_references: {qemu: 0, other: 0}}
                          - spapr_register: {vaddr: ram, process: qemu}
                            expect: {cached_mm: qemu, mm_references: {qemu: 1, other: 0}}
                          - map: {vaddr: ram, iova: 0, size: 64KiB, process: qemu}
                            expect:
                              tce: [{ioba: 0, perm: rw}, {ioba: 64KiB, perm: none}]
                          - map: {vaddr: ram+64KiB, iova: 64KiB, size: 64KiB, flags: [read], process: qemu}
                            expect: {tce: {ioba: 64KiB+4KiB, perm: read, group: 1}}
                          - unmap: {iova: 0, size: 64KiB, process: qemu}
                            expect: {tce: [{ioba: 0, perm: none}, {ioba: 64KiB, perm: read}]}
                          - detach: {group: 1}
                            expect: {mm_references: {qemu: 0}}
                        """));
    }

    @Test
    void expectationsThatDoNotHoldSayWhatWasFound() {
        ScenarioResult r =
                run(
                        SPAPR,
                        """
                          - spapr_register: {vaddr: ram, process: qemu}
                            expect: {cached_mm: other, mm_references: {qemu: 2}}
                          - map: {vaddr: ram, iova: 0, size: 64KiB, process: qemu}
                            expect: {tce: {ioba: 0, perm: read}}
                          - detach: {group: 1}
                            expect: {cached_mm: qemu}
                        """);
        assertThat(r.steps().get(2).failures())
                .containsExactly(
                        "expected address space cached by vm = \"other\", was \"qemu\"",
                        "expected counted references on the address space of qemu = 2, was 1");
        assertThat(r.steps().get(3).failures())
                .containsExactly(
                        "expected permissions of the TCE for 0x0 in group 1 = \"read\", was \"rw\"");
        assertThat(r.steps().get(4).failures())
                .containsExactly(
                        "expected address space cached by vm = \"qemu\", but container vm has no"
                                + " IOMMU backend (none set yet, or released when its last group"
                                + " left): cached_mm has no value");
    }

    @Test
    void type1CachesNoMmAndEachMappingHoldsAReferenceOnItsOwnersMm() {
        allPassed(
                run(
                        ScenarioLanguageTest.HEAD,
                        """
                          - check: {}
                            expect: {cached_mm: none, mm_references: 1}
                          - map: {vaddr: ram, iova: 64MiB, size: 1MiB}
                            expect: {mm_references: 2}
                          - unmap: {flags: [all]}
                            expect: {mm_references: 0}
                        """));
    }

    @Test
    void badBackendExpectationsAreRefusedWithTheirPlace() {
        assertThat(refused(SPAPR, "  - check: {}\n    expect: {tce: {ioba: 0, perm: rwx}}\n"))
                .isEqualTo(
                        "backend.yaml:20:35: step 3 expect.tce.perm: 'rwx' is not one of none,"
                                + " read, write, rw");
        assertThat(refused(SPAPR, "  - check: {}\n    expect: {tce: {perm: rw}}\n"))
                .startsWith("backend.yaml:20:19: step 3 expect.tce: missing key 'ioba'");
        assertThat(refused(SPAPR, "  - check: {}\n    expect: {cached_mm: nobody}\n"))
                .isEqualTo(
                        "backend.yaml:20:25: step 3 expect.cached_mm: no process named 'nobody'; declared: qemu, other");
        assertThat(refused(SPAPR, "  - check: {}\n    expect: {mm_references: 1}\n"))
                .isEqualTo(
                        "backend.yaml:20:29: step 3 expect.mm_references: several processes are"
                                + " declared; write mm_references: {qemu: N, other: N, ...}");
        assertThat(
                        refused(
                                ScenarioLanguageTest.HEAD,
                                "  - check: {}\n    expect: {tce: {ioba: 0, perm: rw}}\n"))
                .isEqualTo(
                        "backend.yaml:23:19: step 6 expect.tce: the host declares no group with a"
                                + " 'tce:' endpoint; say which with 'group:'");
        assertThat(
                        refused(
                                ScenarioLanguageTest.HEAD,
                                "  - check: {}\n    expect: {tce: {ioba: 0, perm: rw, group: vgpu}}\n"))
                .isEqualTo("backend.yaml:23:46: step 6 expect.tce.group: an mdev has no TCE table");
    }

    @Test
    void anIoctlByNumberAnswersTheApiVersionOrWhatTheContainerSaysToAnUnknownNumber() {
        allPassed(
                run(
                        """
                        scenario: ioctl
                        host:
                          iommu_groups:
                            - {id: 1}
                        processes:
                          - {name: qemu, memlock: 1GiB}
                        containers:
                          - {name: vm, iommu: TYPE1v2}
                        steps:
                          - ioctl: {number: 0}
                            expect: {value: 0}
                          - ioctl: {number: 30}
                            expect: {errno: EINVAL}
                            note: no IOMMU set yet
                          - attach: {group: 1}
                          - set_iommu: {}
                          - ioctl: {number: 30}
                            expect: {errno: ENOTTY}
                        """,
                        ""));
        assertThat(refused(ScenarioLanguageTest.HEAD, "  - ioctl: {number: 13}\n"))
                .isEqualTo(
                        "backend.yaml:22:21: step 6 (ioctl).number: ioctl 13 has a step of its own:"
                                + " use map");
        assertThat(refused(ScenarioLanguageTest.HEAD, "  - ioctl: {number: 256}\n"))
                .startsWith("backend.yaml:22:21: step 6 (ioctl).number: ");
    }

    /** The example of docs/scenarios.md (expect), on a SPAPR v2 container of one process. */
    @Test
    void theDocumentedExampleHolds() {
        allPassed(
                run(
                        SPAPR.replace("  - name: other\n    memlock: 8GiB\n", "")
                                .replace("{group: 1, process: qemu}", "{group: 1}"),
                        """
                          - spapr_register: {vaddr: ram}
                            expect: {cached_mm: qemu, mm_references: 1}
                          - map: {vaddr: ram+64KiB, iova: 64KiB, size: 64KiB, flags: [read]}
                            expect: {tce: [{ioba: 64KiB+4KiB, perm: read}, {ioba: 0, perm: none}]}
                        """));
    }
}
