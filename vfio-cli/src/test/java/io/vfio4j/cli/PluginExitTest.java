package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin that calls {@code System.exit(0)} must not turn a run into a silent success: the real
 * command, in its own JVM, ends with exit code 3 and a message naming the plugin jar.
 */
class PluginExitTest {
    @TempDir Path plugins;

    record Outcome(int exitCode, String out, String err) {}

    /** Runs {@code Main} in a fresh JVM with the test class path. */
    private static Outcome vfio4j(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Outcome(
                p.exitValue(),
                new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void anExitDuringDiscoveryEndsTheRunWithCode3NamingThePlugin() throws Exception {
        Path jar =
                PluginJars.provider(plugins.resolve("exiter.jar"), "exiter", "System.exit(0);", "");
        Outcome o = vfio4j("demo", "-Dvfio4j.plugin.dir=" + plugins, "-q", "type1-1-passthrough");
        assertThat(o.exitCode()).as(o.out() + o.err()).isEqualTo(ExitCodes.CONFIGURATION);
        assertThat(o.err())
                .contains(
                        "vfio4j: configuration error: plugin "
                                + jar
                                + " (com.example.exiter.TestProvider.name) called System.exit"
                                + " while the command was running; the run did not complete")
                .doesNotContain("\tat ");
        assertThat(o.out()).doesNotContain("PASSED");
    }

    @Test
    void anExitInARunTimeCallEndsTheRunWithCode3() throws Exception {
        Path jar =
                PluginJars.provider(
                        plugins.resolve("lateexit.jar"), "lateexit", "", "System.exit(0);");
        Outcome o =
                vfio4j(
                        "demo",
                        "-Dvfio4j.plugin.dir=" + plugins,
                        "-Dvfio4j.backends=lateexit,type1",
                        "type1-1-passthrough");
        assertThat(o.exitCode()).as(o.out() + o.err()).isEqualTo(ExitCodes.CONFIGURATION);
        assertThat(o.err())
                .contains(
                        "plugin "
                                + jar
                                + " (com.example.lateexit.TestProvider.checkExtension) called"
                                + " System.exit");
        assertThat(o.out()).doesNotContain("PASSED");
    }

    @Test
    void aWellBehavedPluginLeavesTheExitCodeAlone() throws Exception {
        PluginJars.provider(plugins.resolve("quiet.jar"), "quiet", "", "");
        Outcome o = vfio4j("demo", "-Dvfio4j.plugin.dir=" + plugins, "-q", "type1-1-passthrough");
        assertThat(o.exitCode()).as(o.out() + o.err()).isZero();
        assertThat(o.out()).contains("PASSED");
    }
}
