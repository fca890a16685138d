package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import io.vfio4j.cli.scenario.Scenario;
import io.vfio4j.cli.scenario.ScenarioParser;
import io.vfio4j.cli.scenario.ScenarioSyntaxException;
import io.vfio4j.host.Platform;
import org.junit.jupiter.api.Test;

class ScenarioParserTest {
    static final String GOOD =
            """
            scenario: good
            title: a small one
            host:
              platform: x86
              page_size: 4KiB
              iommu_groups:
                - {id: 3, devices: ["0000:03:00.0"], page_sizes: [4KiB, 2MiB]}
            processes:
              - name: qemu
                memlock: 1064960 pages
                regions:
                  - {name: ram, vaddr: 0x10_0000_0000, size: 1GiB, backing: hugetlb-2MiB}
            containers:
              - {name: vm, iommu: TYPE1v2}
            steps:
              - attach: {group: 3}
              - set_iommu: {}
              - map: {vaddr: ram, iova: 0}
                expect: {locked_vm: 262144, dma_avail: 65534}
              - unmap: {iova: 0, size: 1GiB}
                expect: {errno: EINVAL}
                note: just a note
            """;

    private final ScenarioParser parser = new ScenarioParser();

    @Test
    void readsAGoodFile() {
        Scenario s = parser.parse("good.yaml", GOOD);
        assertThat(s.name()).isEqualTo("good");
        assertThat(s.host().platform()).isEqualTo(Platform.X86);
        assertThat(s.host().groups().get(0).pageSizeBitmap()).isEqualTo((1L << 12) | (1L << 21));
        assertThat(s.processes().get(0).memlockBytes()).isEqualTo(1_064_960L * 4096);
        assertThat(s.steps()).hasSize(4);
        assertThat(s.steps().get(2).action().describe()).isEqualTo("map ram 1 GiB -> iova 0x0 rw");
        assertThat(s.steps().get(2).expect().checks()).hasSize(2);
        assertThat(s.steps().get(3).expect().errno()).contains(Errno.EINVAL);
        assertThat(s.steps().get(3).note()).isEqualTo("just a note");
        assertThat(s.steps().get(3).line()).isEqualTo(20);
    }

    private ScenarioSyntaxException refused(String text) {
        Throwable t =
                org.assertj.core.api.Assertions.catchThrowable(
                        () -> parser.parse("bad.yaml", text));
        assertThat(t).isInstanceOf(ScenarioSyntaxException.class);
        return (ScenarioSyntaxException) t;
    }

    @Test
    void anUnknownTopLevelKeyListsTheAllowedKeys() {
        ScenarioSyntaxException e = refused(GOOD.replace("title:", "titel:"));
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.getMessage())
                .startsWith("bad.yaml:2:1: unknown key 'titel'")
                .contains("allowed keys: scenario, title, description");
    }

    @Test
    void anUnknownStepParameterNamesTheStepAndItsParameters() {
        ScenarioSyntaxException e =
                refused(
                        GOOD.replace(
                                "- map: {vaddr: ram, iova: 0}",
                                "- map: {vaddr: ram, iova: 0, szie: 4KiB}"));
        assertThat(e.line()).isEqualTo(18);
        assertThat(e.problem())
                .contains("unknown key 'szie' in step 3 (map)")
                .contains("container, process, vaddr, iova, size, flags, argsz");
    }

    @Test
    void anUnknownOperationListsTheOperations() {
        ScenarioSyntaxException e = refused(GOOD.replace("- set_iommu: {}", "- set_iomu: {}"));
        assertThat(e.line()).isEqualTo(17);
        assertThat(e.problem())
                .contains("unknown key 'set_iomu' in step 2")
                .contains("attach, detach, set_iommu");
    }

    @Test
    void twoOperationsInOneStepAreRefused() {
        ScenarioSyntaxException e =
                refused(GOOD.replace("- set_iommu: {}", "- set_iommu: {}\n    attach: {group: 3}"));
        assertThat(e.problem())
                .contains("expected exactly one operation, found set_iommu and attach");
    }

    @Test
    void badValuesSayWhatWasExpected() {
        assertThat(refused(GOOD.replace("size: 1GiB, backing", "size: 1GB, backing")).problem())
                .contains("unknown unit 'GB'");
        assertThat(refused(GOOD.replace("backing: hugetlb-2MiB", "backing: hugepages")).problem())
                .contains("'hugepages' is not one of anonymous, thp, hugetlb-2MiB");
        assertThat(refused(GOOD.replace("errno: EINVAL", "errno: EWHAT")).problem())
                .contains("'EWHAT' is not one of EPERM");
        assertThat(refused(GOOD.replace("locked_vm: 262144", "locked_vm: 1GiB")).problem())
                .contains("expected an exact integer, found '1GiB'");
        assertThat(refused(GOOD.replace("iommu: TYPE1v2", "iommu: TYPE9")).problem())
                .contains("'TYPE9' is not a number or one of TYPE1");
    }

    @Test
    void danglingReferencesAreRefusedBeforeAnythingRuns() {
        ScenarioSyntaxException e =
                refused(GOOD.replace("{vaddr: ram, iova: 0}", "{vaddr: rom, iova: 0}"));
        assertThat(e.problem())
                .contains(
                        "'rom' is neither an address nor a known region or window; known names: ram");
        assertThat(refused(GOOD.replace("attach: {group: 3}", "attach: {group: 4}")).problem())
                .contains("the host has no IOMMU group 4");
        assertThat(
                        refused(GOOD.replace("- set_iommu: {}", "- open_device: {device: vgpu}"))
                                .problem())
                .contains("no device 'vgpu'");
        assertThat(
                        refused(GOOD.replace("- set_iommu: {}", "- set_iommu: {container: vm2}"))
                                .problem())
                .contains("no container named 'vm2'; declared: vm");
    }

    @Test
    void malformedYamlAndMissingPartsAreRefusedWithTheirLine() {
        ScenarioSyntaxException yaml = refused(GOOD.replace("- set_iommu: {}", "- set_iommu: {"));
        assertThat(yaml.problem()).startsWith("not valid YAML");
        assertThat(yaml.line()).isGreaterThanOrEqualTo(17);
        assertThat(refused("").problem()).contains("the file is empty");
        assertThat(refused("scenario: x\n").problem()).contains("missing key 'steps'");
        assertThat(refused(GOOD.replace("scenario: good\n", "")).problem())
                .contains("missing key 'scenario'");
        assertThat(refused(GOOD.replace("title: a small one", "title: a\ntitle: b")).problem())
                .containsAnyOf("duplicate key 'title'", "found duplicate key title");
        assertThat(refused(GOOD.replace("steps:\n", "steps: {}\nx:\n")).problem())
                .contains("unknown key 'x'");
    }

    @Test
    void regionsMustFitTheirBackingAndNotOverlap() {
        assertThat(
                        refused(
                                        GOOD.replace(
                                                "vaddr: 0x10_0000_0000, size: 1GiB",
                                                "vaddr: 0x10_0000_1000, size: 1GiB"))
                                .problem())
                .contains("must be positive multiples of the 2 MiB backing page");
        String two =
                GOOD.replace(
                        "backing: hugetlb-2MiB}",
                        "backing: hugetlb-2MiB}\n      - {name: more, vaddr: 0x10_0000_0000, size: 4KiB}");
        assertThat(refused(two).problem()).contains("region more overlaps region ram");
    }

    @Test
    void aReadNeedsALengthOrExpectedData() {
        assertThat(refused(GOOD.replace("- set_iommu: {}", "- cpu_read: {vaddr: ram}")).problem())
                .contains("give 'length', or expect 'data' or 'hex'");
        Scenario s =
                parser.parse(
                        "ok.yaml",
                        GOOD.replace(
                                "- set_iommu: {}",
                                "- cpu_read: {vaddr: ram}\n    expect: {hex: \"00 00\"}"));
        assertThat(s.steps().get(1).action().describe()).isEqualTo("qemu reads 2 bytes at ram");
    }

    @Test
    void resultKeysAreAllowedOnlyForTheStepsThatProduceThem() {
        assertThat(
                        refused(
                                        GOOD.replace(
                                                "{locked_vm: 262144, dma_avail: 65534}",
                                                "{unmapped: 1GiB}"))
                                .problem())
                .contains("unknown key 'unmapped' in step 3 expect");
        assertThatThrownBy(
                        () ->
                                parser.parse(
                                        "x.yaml",
                                        GOOD.replace(
                                                "errno: EINVAL",
                                                "errno: EINVAL, kernel_bug: true")))
                .hasMessageContaining("both an errno and a kernel BUG");
    }
}
