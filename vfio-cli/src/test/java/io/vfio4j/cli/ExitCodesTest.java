package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every exit code the command documents, from every subcommand it applies to: each row is one
 * command line, its exit code and what stderr (or, for -q, stdout) says. {@code {dir}} in an
 * argument is a fresh directory holding the files below.
 */
class ExitCodesTest {
    static final String GOOD = "src/test/resources/scenarios/two-vms.yaml";
    static final String FAILING = "src/test/resources/scenarios/failing.yaml";

    /** A one-container type1 scenario with an optional extra line in its config block. */
    static String scenario(String config, String memlock, String pageSizes) {
        return "scenario: s\n"
                + (config.isEmpty() ? "" : "config:\n  " + config + "\n")
                + "host:\n  iommu_groups:\n    - {id: 1"
                + pageSizes
                + "}\nprocesses:\n  - name: qemu\n    memlock: "
                + memlock
                + "\n    regions:\n      - {name: ram, vaddr: 0x10_0000_0000, size: 64MiB}\n"
                + "containers:\n  - {name: vm, iommu: TYPE1v2}\n"
                + "steps:\n  - attach: {group: 1}\n  - set_iommu: {}\n";
    }

    static Stream<Arguments> table() {
        return Stream.of(
                row(0, "", "run", GOOD),
                row(0, "", "demo", "spapr-v1"),
                row(0, "", "backends"),
                row(1, "", "run", FAILING),
                row(1, "FAILED failing", "run", "-q", FAILING),
                row(2, "Unknown option: '--colour'", "run", "--colour", GOOD),
                row(2, "Missing required parameter: 'FILE'", "run"),
                row(2, "no built-in scenario 'nope'", "demo", "nope"),
                row(3, "vfio4j.colour (from command line)", "run", "-D", "vfio4j.colour=1", GOOD),
                row(3, "vfio4j.colour (from command line)", "demo", "-Dvfio4j.colour=1"),
                row(3, "vfio4j.colour (from command line)", "backends", "-Dvfio4j.colour=1"),
                row(
                        3,
                        "{dir}/nope.properties (from -Dvfio4j.config) does not exist",
                        "run",
                        "--config",
                        "{dir}/nope.properties",
                        GOOD),
                row(
                        3,
                        "{dir}/nope.properties (from -Dvfio4j.config) does not exist",
                        "demo",
                        "--config",
                        "{dir}/nope.properties"),
                row(
                        3,
                        "{dir}/nope.properties (from -Dvfio4j.config) does not exist",
                        "backends",
                        "--config",
                        "{dir}/nope.properties"),
                row(
                        3,
                        "configuration error: {dir}/config-key.yaml: Unknown configuration keys",
                        "run",
                        "{dir}/config-key.yaml"),
                row(
                        3,
                        "configuration error: {dir}/set-iommu.yaml:16: step 2 (set_iommu): "
                                + "vfio4j.backend.type1.dma-entry-limit = 'abc' is not a whole number",
                        "run",
                        "{dir}/set-iommu.yaml"),
                row(
                        3,
                        "configuration error: {dir}/set-iommu.yaml:16: step 2 (set_iommu)",
                        "run",
                        "-q",
                        "{dir}/set-iommu.yaml"),
                row(
                        3,
                        "carries classes of the vfio4j API",
                        "run",
                        "-Dvfio4j.plugin.dir={dir}/plugins",
                        GOOD),
                row(
                        3,
                        "carries classes of the vfio4j API",
                        "demo",
                        "-Dvfio4j.plugin.dir={dir}/plugins",
                        "spapr-v1"),
                row(
                        3,
                        "carries classes of the vfio4j API",
                        "backends",
                        "-Dvfio4j.plugin.dir={dir}/plugins"),
                row(
                        4,
                        "vfio4j: cannot read {dir}/missing.yaml: no such file",
                        "run",
                        "{dir}/missing.yaml"),
                row(
                        4,
                        "vfio4j: cannot read {dir}/plugins: it is a directory",
                        "run",
                        "{dir}/plugins"),
                row(
                        4,
                        "{dir}/latin1.yaml:1:14: not UTF-8: byte 0xe9 at byte offset 13",
                        "run",
                        "{dir}/latin1.yaml"),
                row(
                        4,
                        "{dir}/huge.yaml:1:1: the file has 1,048,577 bytes; a scenario file"
                                + " may have at most 1,048,576 (1 MiB)",
                        "run",
                        "{dir}/huge.yaml"),
                row(
                        4,
                        "{dir}/memlock.yaml:7:14: scenario file.processes[0].memlock: '-5 pages'",
                        "run",
                        "-q",
                        "{dir}/memlock.yaml"),
                row(
                        4,
                        "{dir}/page-sizes.yaml:4:27: scenario file.host.iommu_groups[0]"
                                + ".page_sizes: give at least one page size",
                        "run",
                        "{dir}/page-sizes.yaml"),
                row(
                        4,
                        "{dir}/region.yaml:9:9: scenario file.processes[0].regions[0]: the host"
                                + " cannot map this region: simulated host is out of RAM",
                        "run",
                        "{dir}/region.yaml"));
    }

    private static Arguments row(int code, String says, String... args) {
        return Arguments.of(code, says, List.of(args));
    }

    private static void files(Path dir) throws IOException {
        Files.writeString(
                dir.resolve("config-key.yaml"), scenario("vfio4j.colour: red", "1GiB", ""));
        Files.writeString(
                dir.resolve("set-iommu.yaml"),
                scenario("vfio4j.backend.type1.dma-entry-limit: abc", "1GiB", ""));
        Files.writeString(dir.resolve("memlock.yaml"), scenario("", "-5 pages", ""));
        Files.writeString(dir.resolve("page-sizes.yaml"), scenario("", "1GiB", ", page_sizes: []"));
        Files.writeString(
                dir.resolve("region.yaml"),
                scenario("", "1GiB", "").replace("size: 64MiB", "size: 0x4000_0000_0000_0000"));
        Files.write(
                dir.resolve("latin1.yaml"),
                "scenario: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        byte[] huge = new byte[(1 << 20) + 1];
        java.util.Arrays.fill(huge, (byte) '#');
        Files.write(dir.resolve("huge.yaml"), huge);
        Path plugins = Files.createDirectories(dir.resolve("plugins/bad"));
        try (OutputStream out = Files.newOutputStream(plugins.resolve("bad.jar"));
                ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("io/vfio4j/api/VfioSpi.class"));
            zip.write("a stale copy".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
    }

    @ParameterizedTest(name = "[{index}] exit {0}: {2}")
    @MethodSource("table")
    void everyDocumentedExitCode(int code, String says, List<String> args, @TempDir Path dir)
            throws IOException {
        files(dir);
        List<String> real = new ArrayList<>();
        for (String a : args) {
            real.add(a.replace("{dir}", dir.toString()));
        }
        CliRunner r = CliRunner.run(real.toArray(String[]::new));
        String all = r.out() + r.err();
        assertThat(r.exitCode).as(all).isEqualTo(code);
        assertThat(all).contains(says.replace("{dir}", dir.toString()));
        assertThat(all).doesNotContain("Exception").doesNotContain("\tat ");
    }
}
