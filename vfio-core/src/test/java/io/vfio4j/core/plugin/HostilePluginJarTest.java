package io.vfio4j.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real plugin jars that misbehave: each is refused or contained, the message names the jar. */
class HostilePluginJarTest {
    @TempDir static Path build;
    @TempDir Path plugins;

    private static Path classes;

    /** A provider of TYPE1v2 whose {@code hook} (a statement) runs where {@code where} says. */
    private static String hostile(String pkg, String where, String hook) {
        String text = TestJars.provider(pkg, "\"" + pkg + "\"");
        return switch (where) {
            case "constructor" ->
                    text.replace(
                            "constructedWithOwnContextLoader = own();",
                            "constructedWithOwnContextLoader = own();\n" + hook);
            case "name" -> text.replace("return \"" + pkg + "\";", hook);
            case "checkExtension" ->
                    text.replace(
                            "return e == IommuType.TYPE1v2.id() ? 1 : 0;", hook + "\nreturn 0;");
            default -> throw new IllegalArgumentException(where);
        };
    }

    @BeforeAll
    static void compileTestPlugins() throws IOException {
        String blockForever =
                "try { new java.util.concurrent.CountDownLatch(1).await(); }"
                        + " catch (InterruptedException e) { Thread.currentThread().interrupt(); }";
        classes =
                TestJars.compile(
                        build.resolve("classes"),
                        Map.of(
                                "com.example.good.TestProvider",
                                TestJars.provider("good", "\"good\""),
                                "com.example.sleepy.TestProvider",
                                hostile("sleepy", "constructor", blockForever),
                                "com.example.nameless.TestProvider",
                                hostile("nameless", "name", "return null;"),
                                "com.example.buggy.TestProvider",
                                hostile(
                                        "buggy",
                                        "checkExtension",
                                        "if (e >= 0) throw new IllegalStateException(\"plugin"
                                                + " bug\");")));
    }

    private Path jar(String pkg) throws IOException {
        return TestJars.jar(
                plugins.resolve(pkg + ".jar"),
                classes,
                List.of("com/example/" + pkg),
                TestJars.services("com.example." + pkg + ".TestProvider"));
    }

    private Vfio vfio(Map<String, String> extra) {
        Map<String, String> config =
                new java.util.HashMap<>(Map.of(VfioConfiguration.PLUGIN_DIR, plugins.toString()));
        config.putAll(extra);
        return Vfio.builder()
                .host(SimHost.builder().build())
                .withoutClassPath()
                .configuration(VfioConfiguration.of(config))
                .build();
    }

    @Test
    void aProviderThatBlocksInItsConstructorIsRefusedNamingTheJar() throws IOException {
        Path sleepy = jar("sleepy");
        long start = System.nanoTime();
        // Long enough to open the jar on a loaded machine, so the wait ends in the constructor.
        assertThatThrownBy(() -> vfio(Map.of(VfioConfiguration.DISCOVERY_TIMEOUT, "2s")))
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessage(
                        "IOMMU backend discovery did not finish within 2000 ms"
                                + " (vfio4j.plugin.discovery-timeout): plugin "
                                + sleepy
                                + " [sleepy.jar] is blocked; refused");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        // The blocked thread is a daemon: it cannot keep the JVM alive.
        assertThat(
                        Thread.getAllStackTraces().keySet().stream()
                                .filter(t -> t.getName().startsWith("vfio4j-discovery-"))
                                .filter(Thread::isAlive)
                                .allMatch(Thread::isDaemon))
                .isTrue();
    }

    @Test
    void aProviderWhoseNameIsNullIsRefusedNamingTheJar() throws IOException {
        Path nameless = jar("nameless");
        assertThatThrownBy(() -> vfio(Map.of()))
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessage(
                        "IOMMU backend com.example.nameless.TestProvider ("
                                + nameless
                                + ") refused: name() returned null");
    }

    @Test
    void aCheckExtensionThatThrowsLeavesTheOtherPluginsAnswer() throws IOException {
        Path buggy = jar("buggy");
        jar("good");
        try (Vfio vfio = vfio(Map.of())) {
            SimProcess qemu = vfio.host().spawnProcess(ProcessSpec.builder().build());
            VfioContainer c = vfio.openContainer();
            assertThat(c.checkExtension(qemu, IommuType.TYPE1v2.id())).isEqualTo(1);
            assertThat(vfio.warnings())
                    .containsExactly(
                            "IOMMU backend buggy ("
                                    + buggy
                                    + ") failed in checkExtension(3): plugin bug");
        }
    }
}
