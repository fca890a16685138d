package io.vfio4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.common.collect.ImmutableSet;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.core.BackendDiscovery;
import io.vfio4j.core.DiscoveredBackend;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDeviceDriver;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.core.plugin.PluginClassLoader;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The example NOIOMMU backend, built on its own as a shaded jar and copied into {@code
 * target/test-plugins/noiommu/} by {@link ExamplePlugin} (never on this module's class path),
 * loaded the way an operator would: by configuration.
 */
class NoIommuPluginTest {
    private static final Path PLUGINS = ExamplePlugin.pluginsDir();
    private static final String PROVIDER = "com.example.noiommu.NoIommuProvider";

    @TempDir Path temp;

    private static Path pluginJar() throws IOException {
        try (Stream<Path> s = Files.list(PLUGINS.resolve("noiommu"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("noiommu-backend-"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no plugin jar in " + PLUGINS));
        }
    }

    private static VfioConfiguration selectNoIommu(Path pluginDir) {
        return VfioConfiguration.of(
                Map.of(
                        VfioConfiguration.PLUGIN_DIR, pluginDir.toString(),
                        VfioConfiguration.DEFAULT_BACKEND, "noiommu",
                        VfioConfiguration.CHECK_INVARIANTS, "true"));
    }

    private static Vfio start(SimHost host) {
        // The class path (which holds no backend here) and the plugin dir the configuration names.
        return Vfio.builder().host(host).configuration(selectNoIommu(PLUGINS)).build();
    }

    @Test
    void theBackendIsSelectedByConfigurationAndBehavesAsNoIommu() throws IOException {
        SimHost host = SimHost.builder().build();
        SimProcess qemu =
                host.spawnProcess(ProcessSpec.builder().name("qemu").capSysRawio(true).build());
        try (Vfio vfio = start(host)) {
            DiscoveredBackend b = vfio.backends().require("noiommu");
            assertThat(vfio.backends().backends()).containsExactly(b);
            assertThat(b.origin()).isEqualTo(pluginJar().toString());
            assertThat(b.types()).containsExactly(IommuType.NOIOMMU);
            assertThat(vfio.backends().describeAll()).isEqualTo("noiommu (" + pluginJar() + ")");

            VfioGroup group =
                    vfio.createVirtualGroup(
                            GroupKind.NO_IOMMU, "0000:00:1f.6", VfioDeviceDriver.PASSTHROUGH);
            VfioContainer container = vfio.openContainer();
            group.setContainer(qemu, container);
            container.setIommu(IommuType.NOIOMMU);
            assertThat(container.backendName()).contains("noiommu");
            assertThat(container.checkExtension(qemu, IommuType.NOIOMMU.id())).isEqualTo(1);
            assertThat(container.checkExtension(qemu, IommuType.TYPE1v2.id())).isZero();
            assertThatThrownBy(
                            () ->
                                    container.ioctl(
                                            qemu, MapDma.rw(0x7f0000000000L, 0, host.pageSize())))
                    .isInstanceOfSatisfying(
                            VfioException.class,
                            e -> assertThat(e.errno()).isEqualTo(Errno.ENOTTY));
            assertThat(host.taints()).singleElement().asString().contains("vfio-noiommu");
            group.unsetContainer();
            assertThat(vfio.invariants().check()).isEmpty();
        }
    }

    @Test
    void pluginClassesComeFromTheirOwnLoaderNotTheApplications() throws Exception {
        try (Vfio vfio = start(SimHost.builder().build())) {
            ClassLoader loader =
                    vfio.backends().require("noiommu").provider().getClass().getClassLoader();
            assertThat(loader).isInstanceOf(PluginClassLoader.class);
            assertThat(loader).isNotSameAs(ClassLoader.getSystemClassLoader());
            assertThat(loader).isNotSameAs(getClass().getClassLoader());
            assertThat(loader.getParent()).isSameAs(ClassLoader.getPlatformClassLoader());
            assertThat(((PluginClassLoader) loader).pluginName())
                    .isEqualTo(PLUGINS.resolve("noiommu").toString());
            assertThatThrownBy(() -> Class.forName(PROVIDER, false, getClass().getClassLoader()))
                    .isInstanceOf(ClassNotFoundException.class);
        }
    }

    @Test
    void thePluginsGuavaAndTheCoresGuavaDoNotLeakIntoEachOther() throws Exception {
        try (Vfio vfio = start(SimHost.builder().build())) {
            Class<?> provider = vfio.backends().require("noiommu").provider().getClass();
            ClassLoader plugin = provider.getClassLoader();
            assertThat(provider.getMethod("guavaVersion").invoke(null)).isEqualTo("32.1.3-jre");
            assertThat(guavaVersionOf(ImmutableSet.class))
                    .as("the core's Guava, from Guice")
                    .isEqualTo("31.0.1-jre");
            Class<?> pluginImmutableSet = plugin.loadClass(ImmutableSet.class.getName());
            assertThat(pluginImmutableSet).isNotSameAs(ImmutableSet.class);
            assertThat(guavaVersionOf(pluginImmutableSet)).isEqualTo("32.1.3-jre");
            // Guice, and anything else of the core's, is invisible to the plugin.
            assertThatThrownBy(() -> plugin.loadClass("com.google.inject.Injector"))
                    .isInstanceOf(ClassNotFoundException.class);
        }
    }

    @Test
    void onePluginCarryingApiClassesIsRefusedNamingTheJar() throws Exception {
        Path dir = temp.resolve("plugins/bad");
        Files.createDirectories(dir);
        Files.copy(pluginJar(), dir.resolve("noiommu-backend.jar"));
        Path stale = dir.resolve("vfio-api-copy.jar");
        try (OutputStream os = Files.newOutputStream(stale);
                JarOutputStream out = new JarOutputStream(os);
                InputStream api = VfioException.class.getResourceAsStream("VfioException.class")) {
            out.putNextEntry(new JarEntry("io/vfio4j/api/VfioException.class"));
            api.transferTo(out);
            out.closeEntry();
        }
        assertThatThrownBy(
                        () ->
                                Vfio.builder()
                                        .configuration(selectNoIommu(temp.resolve("plugins")))
                                        .build())
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessageStartingWith(
                        "Plugin jar " + stale + " carries classes of the vfio4j API");
    }

    @Test
    void oneInfoLineNamesTheBackendItsVersionSpiOriginAndTypes() throws IOException {
        Logger discovery = (Logger) LoggerFactory.getLogger(BackendDiscovery.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        discovery.addAppender(lines);
        try (Vfio vfio = start(SimHost.builder().build())) {
            assertThat(vfio.backends().backends()).hasSize(1);
            assertThat(lines.list)
                    .filteredOn(e -> e.getLevel() == Level.INFO)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .containsExactly(
                            "IOMMU backend noiommu version 1.0 (SPI "
                                    + io.vfio4j.api.VfioSpi.runtime()
                                    + ") from "
                                    + pluginJar()
                                    + ": types [NOIOMMU]");
        } finally {
            discovery.detachAppender(lines);
        }
    }

    @Test
    void thePluginLoaderCanBeCollectedOnceTheVfioIsClosed() throws InterruptedException {
        WeakReference<ClassLoader> loader = openUseAndClose();
        for (int i = 0; i < 100 && loader.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(loader.get()).as("plugin class loader still reachable after close").isNull();
    }

    private static WeakReference<ClassLoader> openUseAndClose() {
        SimHost host = SimHost.builder().build();
        SimProcess qemu = host.spawnProcess(ProcessSpec.builder().capSysRawio(true).build());
        try (Vfio vfio = start(host)) {
            VfioGroup group =
                    vfio.createVirtualGroup(
                            GroupKind.NO_IOMMU, "0000:00:1f.6", VfioDeviceDriver.PASSTHROUGH);
            VfioContainer container = vfio.openContainer();
            group.setContainer(qemu, container);
            container.setIommu();
            group.unsetContainer();
            return new WeakReference<>(vfio.backends().require("noiommu").loader());
        }
    }

    /** The Maven version recorded in the jar that defined {@code type}. */
    private static String guavaVersionOf(Class<?> type) throws IOException, URISyntaxException {
        Path jar = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (JarFile file = new JarFile(jar.toFile());
                InputStream in =
                        file.getInputStream(
                                file.getEntry(
                                        "META-INF/maven/com.google.guava/guava/pom.properties"))) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        }
    }
}
