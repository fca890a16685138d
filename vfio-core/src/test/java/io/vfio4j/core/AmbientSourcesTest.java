package io.vfio4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.host.SimHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A default-built runtime reads nothing from its environment; {@link
 * Vfio.Builder#withStandardSources()} opts in to the working directory's files, the system
 * properties and the plugin directory.
 */
class AmbientSourcesTest {
    // Surefire runs in the module directory: these are the working directory's files.
    private static final Path PLUGINS = Path.of("plugins");
    private static final Path PROPERTIES = Path.of("vfio4j.properties");

    private final FakeProvider fake = new FakeProvider("fake", Set.of(IommuType.TYPE1v2));

    @BeforeEach
    void noAmbientFilesYet() {
        assertThat(PLUGINS).doesNotExist();
        assertThat(PROPERTIES).doesNotExist();
    }

    @AfterEach
    void removeAmbientFiles() throws IOException {
        Files.deleteIfExists(PLUGINS.resolve("broken.jar"));
        Files.deleteIfExists(PLUGINS);
        Files.deleteIfExists(PROPERTIES);
    }

    private Vfio.Builder builder() {
        return Vfio.builder()
                .host(SimHost.builder().build())
                .withoutClassPath()
                .addSource(new FixedSource("test", fake));
    }

    private static void brokenPlugins(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("broken.jar"), new byte[] {1, 2, 3});
    }

    @Test
    void aBrokenPluginsFolderInTheWorkingDirectoryDoesNotAffectADefaultBuiltRuntime()
            throws IOException {
        brokenPlugins(PLUGINS);
        try (Vfio vfio = builder().build()) {
            assertThat(vfio.backends().backends())
                    .extracting(DiscoveredBackend::name)
                    .containsExactly("fake");
        }
        assertThatThrownBy(() -> builder().withStandardSources().build())
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessageStartingWith("Cannot read plugin jar " + PLUGINS.resolve("broken.jar"));
    }

    @Test
    void aPropertiesFileInTheWorkingDirectoryIsReadOnlyByTheStandardSources() throws IOException {
        Files.writeString(PROPERTIES, "vfio4j.no-such-key=1\n", StandardCharsets.UTF_8);
        try (Vfio vfio = builder().build()) {
            assertThat(vfio.configuration().get("vfio4j.no-such-key")).isEmpty();
        }
        assertThatThrownBy(() -> builder().withStandardSources().build())
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessageContaining("vfio4j.no-such-key (from vfio4j.properties)");
    }

    @Test
    void systemPropertiesDoNotLeakIntoADefaultBuiltRuntime(@TempDir Path temp) throws IOException {
        // Surefire sets vfio4j.check-invariants=true for every test.
        assertThat(System.getProperty(VfioConfiguration.CHECK_INVARIANTS)).isEqualTo("true");
        Path plugins = temp.resolve("plugins");
        brokenPlugins(plugins);
        System.setProperty(VfioConfiguration.PLUGIN_DIR, plugins.toString());
        System.setProperty(VfioConfiguration.DEFAULT_BACKEND, "fake");
        try {
            try (Vfio vfio = builder().build()) {
                assertThat(vfio.configuration().get(VfioConfiguration.PLUGIN_DIR)).isEmpty();
                assertThat(vfio.configuration().get(VfioConfiguration.DEFAULT_BACKEND)).isEmpty();
                assertThat(vfio.invariants().isEnabled()).isFalse();
                assertThat(vfio.backends().backends()).hasSize(1);
            }
            assertThatThrownBy(() -> builder().withStandardSources().build())
                    .isInstanceOf(VfioConfigurationException.class)
                    .hasMessageStartingWith(
                            "Cannot read plugin jar " + plugins.resolve("broken.jar"));
            try (Vfio vfio = builder().withStandardSources().withoutPluginDirectory().build()) {
                assertThat(vfio.invariants().isEnabled()).isTrue();
                assertThat(vfio.configuration().origin(VfioConfiguration.DEFAULT_BACKEND))
                        .isEqualTo("system property");
            }
        } finally {
            System.clearProperty(VfioConfiguration.PLUGIN_DIR);
            System.clearProperty(VfioConfiguration.DEFAULT_BACKEND);
        }
    }

    @Test
    void anExplicitConfigurationWinsOverTheStandardSourcesFileAndProperties() {
        System.setProperty(VfioConfiguration.DEFAULT_BACKEND, "nope");
        try (Vfio vfio =
                builder()
                        .withStandardSources()
                        .configuration(VfioConfiguration.of(Map.of()))
                        .build()) {
            assertThat(vfio.configuration().get(VfioConfiguration.DEFAULT_BACKEND)).isEmpty();
        } finally {
            System.clearProperty(VfioConfiguration.DEFAULT_BACKEND);
        }
    }

    @Test
    void anExplicitPluginDirectoryIsScanned(@TempDir Path temp) throws IOException {
        brokenPlugins(temp);
        assertThatThrownBy(() -> builder().pluginDirectory(temp).build())
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessageStartingWith("Cannot read plugin jar " + temp.resolve("broken.jar"));
        try (Vfio vfio = builder().pluginDirectory(temp).withoutPluginDirectory().build()) {
            assertThat(vfio.backends().backends()).hasSize(1);
        }
    }
}
