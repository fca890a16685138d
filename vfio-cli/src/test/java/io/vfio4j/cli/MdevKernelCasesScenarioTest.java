package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.cli.scenario.ScenarioParser;
import io.vfio4j.cli.scenario.ScenarioResult;
import io.vfio4j.cli.scenario.ScenarioRunner;
import io.vfio4j.cli.scenario.StepResult;
import org.junit.jupiter.api.Test;

/**
 * The kernel oracle's {@code mdev/dmarw.ops} and {@code mdev/exit.ops}
 * (kernel-oracle/src/main/resources/io/vfio4j/oracle/mdev/) as scenario steps on the model, with
 * the answers 6.1, 6.12 and 7.2 gave there ({@code dmarw.expected.md}, {@code exit.expected.md}).
 */
class MdevKernelCasesScenarioTest {
    private static final String HEAD =
            """
            scenario: mdev-kernel-cases
            title: the kernel oracle's dmarw.ops and exit.ops as scenario steps
            host:
              platform: x86
              page_size: 4KiB
              mdev_parents:
                - device: "0000:00:02.0"
                  types:
                    - {name: pin, instances: 2, vendor: well-behaved}
                    - {name: leaky, instances: 2, vendor: leaks-on-close}
            processes:
              - name: qemu
                memlock: 1GiB
                regions:
                  - {name: ram, vaddr: 0x7f00_0000_0000, size: 16MiB}
            containers:
              - {name: vm, iommu: TYPE1v2}
            steps:
            """;

    private static ScenarioResult run(String steps) {
        return ScenarioRunner.standalone(true)
                .run(new ScenarioParser().parse("cases.yaml", HEAD + steps));
    }

    private static void assertAllPassed(ScenarioResult r) {
        assertThat(r.steps())
                .allSatisfy(
                        s ->
                                assertThat(s.status())
                                        .as("%s: %s %s", s.step(), s.outcome(), s.failures())
                                        .isEqualTo(StepResult.Status.PASSED));
    }

    private static final String SET_UP =
            """
              - mdev_create: {parent: "0000:00:02.0", type: %s, uuid: 5f6d2a1e-0000-4000-8000-000000000001, as: d0}
              - attach: {group: d0}
              - set_iommu: {}
            """;

    /**
     * dmarw.ops K: dma_write and dma_read of an mdev are vfio_dma_rw; each chunk goes to its own
     * mapping's vaddr, a failure keeps what the chunks before it copied, nothing is charged.
     */
    @Test
    void dmaStepsOfAnMdevAnswerAsTheKernelsDid() {
        assertAllPassed(
                run(
                        SET_UP.formatted("pin")
                                + """
                                  - map: {vaddr: 0x7f00_0000_0000, iova: 0x20000000, size: 64KiB}
                                  - map: {vaddr: 0x7f00_0010_0000, iova: 0x20010000, size: 64KiB}
                                  - map: {vaddr: 0x7f00_0020_0000, iova: 0x20100000, size: 64KiB, flags: [read]}
                                  - open_device: {device: d0}
                                  - dma_write: {device: d0, iova: 0x2000fff8, hex: "01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10"}
                                  - cpu_read: {process: qemu, vaddr: 0x7f00_0000_fff8, length: 8}
                                    expect: {hex: "01 02 03 04 05 06 07 08"}
                                  - cpu_read: {process: qemu, vaddr: 0x7f00_0010_0000, length: 8}
                                    expect: {hex: "09 0a 0b 0c 0d 0e 0f 10"}
                                  - dma_read: {device: d0, iova: 0x2000fff8, length: 16}
                                    expect: {hex: "01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10"}
                                  - dma_write: {device: d0, iova: 0x30000000, hex: "01"}
                                    expect: {errno: EINVAL}
                                  - dma_read: {device: d0, iova: 0x30000000, length: 1}
                                    expect: {errno: EINVAL}
                                  - dma_write: {device: d0, iova: 0x2001fff8, hex: "aa aa aa aa aa aa aa aa bb bb bb bb bb bb bb bb"}
                                    expect: {errno: EINVAL}
                                  - cpu_read: {process: qemu, vaddr: 0x7f00_0010_fff8, length: 8}
                                    expect: {hex: "aa aa aa aa aa aa aa aa"}
                                  - cpu_write: {process: qemu, vaddr: 0x7f00_0020_0000, hex: "5a 5a"}
                                  - dma_write: {device: d0, iova: 0x20100000, hex: "01 02"}
                                    expect: {errno: EPERM}
                                  - dma_read: {device: d0, iova: 0x20100000, length: 2}
                                    expect: {hex: "5a 5a", locked_vm: 0, pinned_pages: 0}
                                """));
    }

    /**
     * exit.ops M as scenario steps: the {@code exit} step ends the address space only (deviation
     * SC-1: the kernel also releases the process's files); the close and detach that the kernel
     * does at exit, written as steps, answer as the kernels did: the driver unpins its 3 pages at
     * close, the dead address space keeps its counter, the mapping goes with the last group.
     */
    @Test
    void anExitWithPinsHeldThenTheReleaseAnswersAsTheKernelsDid() {
        assertAllPassed(
                run(
                        SET_UP.formatted("pin")
                                + """
                                  - map: {vaddr: 0x7f00_0000_0000, iova: 0x10000000, size: 1MiB}
                                  - open_device: {device: d0}
                                  - pin: {device: d0, iova: 0x10000000, pages: 3}
                                    expect: {locked_vm: 3, pinned_pages: 3}
                                  - exit: {process: qemu}
                                    expect: {locked_vm: 3, pinned_pages: 3, mappings: 1}
                                  - close_device: {device: d0}
                                    expect: {locked_vm: 3, pinned_pages: 0}
                                  - detach: {group: d0}
                                    expect: {locked_vm: 3, mappings: 0, leaks: 0, host_pinned_pages: 0}
                                """));
    }

    /**
     * exit.ops N as scenario steps: a leaks-on-close driver's 6 pins at the exit's release. The
     * kernels WARN in vfio_remove_dma and keep the pages pinned; the model unpins and reports them
     * (deviation T1-1).
     */
    @Test
    void aLeakingDriversPinsAtTheExitsReleaseAreReportedByTheModel() {
        assertAllPassed(
                run(
                        SET_UP.formatted("leaky")
                                + """
                                  - map: {vaddr: 0x7f00_0000_0000, iova: 0x10000000, size: 1MiB}
                                  - open_device: {device: d0}
                                  - pin: {device: d0, iova: 0x10000000, pages: 6}
                                    expect: {locked_vm: 6, pinned_pages: 6}
                                  - exit: {process: qemu}
                                  - close_device: {device: d0}
                                    expect: {locked_vm: 6, pinned_pages: 6}
                                  - detach: {group: d0}
                                    expect: {locked_vm: 6, mappings: 0, leaks: 1, leaked_pages: 6, host_pinned_pages: 0}
                                """));
    }
}
