package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code replay --emit-scenario} writes a scenario that {@code vfio4j run} passes: every call with
 * the answer and locked_vm the replay observed, on the same fixture.
 */
class ReplayEmitScenarioTest {
    @TempDir Path dir;

    @ParameterizedTest
    @CsvSource({
        "lp1879175-igd-passthrough-boot, , , 15",
        "qemu-devel-2021-05-overlapping-region-add, , , 6",
        "qemu-devel-2020-01-p2p-bar, qemu-devel-2020-01-p2p-bar.memory.yaml, , 5",
        "libvfio-user-439-hugepages, libvfio-user-439-hugepages.memory.yaml, , 17",
        "qemu-devel-2023-09-viommu-file-exists, , , 1",
        "iommu-list-2025-11-iommufd-dmabuf, iommu-list-2025-11-iommufd-dmabuf.memory.yaml, , 4",
        "qemu-devel-2023-11-iommufd-39bit-iova, , --iova-bits=39, 2",
        "captured-2026-12-qemu-7.2-viommu-e1000e, , , 1182",
        "lp1879175-igd-passthrough-boot, , --mdev-only, 15",
        "lp1879175-igd-passthrough-boot, , --memlock=3GiB, 15",
    })
    void theEmittedScenarioPassesWithTheObservedAnswers(
            String name, String memory, String option, int calls) throws Exception {
        Path scenario = dir.resolve(name + ".yaml");
        List<String> args =
                new ArrayList<>(
                        List.of("replay", "--summary", "--emit-scenario", scenario.toString()));
        if (memory != null) {
            args.add("--memory=" + ReplayCommandTest.TRACES.resolve(memory));
        }
        if (option != null) {
            args.add(option);
        }
        args.add(ReplayCommandTest.TRACES.resolve(name + ".log").toString());
        CliRunner replay = CliRunner.run(args.toArray(String[]::new));
        assertThat(replay.err()).isEmpty();
        String text = Files.readString(scenario);
        assertThat(text.lines().filter(l -> l.startsWith("  - map:") || l.startsWith("  - unmap:")))
                .hasSize(calls);
        assertThat(dir.toFile().list()).as("no side file left").containsExactly(name + ".yaml");

        CliRunner run = CliRunner.run("run", "-q", scenario.toString());
        assertThat(run.err()).isEmpty();
        assertThat(run.exitCode).as(run.out()).isZero();
    }
}
