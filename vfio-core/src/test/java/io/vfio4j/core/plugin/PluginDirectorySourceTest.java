package io.vfio4j.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.core.BackendDiscovery;
import io.vfio4j.core.BackendSource;
import io.vfio4j.core.DiscoveredBackend;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin directory: layout, class loader isolation, refusals, TCCL and closing. */
class PluginDirectorySourceTest {
    @TempDir static Path build;
    @TempDir Path plugins;

    private static Path classes;
    private static Path libOne;
    private static Path libTwo;

    @BeforeAll
    static void compileTestPlugins() throws IOException {
        classes =
                TestJars.compile(
                        build.resolve("classes"),
                        Map.of(
                                "com.example.a.TestProvider", TestJars.provider("a", "\"a\""),
                                "com.example.b.TestProvider", TestJars.provider("b", "\"b\""),
                                "com.example.dupa.TestProvider",
                                        TestJars.provider("dupa", "\"dup\""),
                                "com.example.dupb.TestProvider",
                                        TestJars.provider("dupb", "\"dup\""),
                                "com.example.acme.TestProvider",
                                        TestJars.provider(
                                                "acme", "com.example.acmelib.Helper.which()"),
                                "com.example.acmelib.Helper",
                                        TestJars.valueClass("com.example.acmelib.Helper", "acme"),
                                "com.example.lonely.Marker",
                                        TestJars.valueClass("com.example.lonely.Marker", "x")));
        libOne =
                TestJars.compile(
                        build.resolve("lib-one"),
                        Map.of(
                                "com.example.shared.Lib",
                                TestJars.valueClass("com.example.shared.Lib", "one")));
        libTwo =
                TestJars.compile(
                        build.resolve("lib-two"),
                        Map.of(
                                "com.example.shared.Lib",
                                TestJars.valueClass("com.example.shared.Lib", "two")));
    }

    private Path pluginJar(String relative, String pkg, Map<String, String> extra)
            throws IOException {
        return TestJars.jar(
                plugins.resolve(relative), classes, List.of("com/example/" + pkg), extra);
    }

    private Path providerJar(String relative, String pkg) throws IOException {
        return pluginJar(relative, pkg, TestJars.services("com.example." + pkg + ".TestProvider"));
    }

    private static DiscoveredBackend only(List<DiscoveredBackend> found, String name) {
        return found.stream().filter(b -> b.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aMissingDirectoryHasNoPlugins() {
        try (PluginDirectorySource source = new PluginDirectorySource(plugins.resolve("nope"))) {
            assertThat(source.discover()).isEmpty();
            assertThat(source.loaders()).isEmpty();
        }
    }

    @Test
    void jarsOfOnePluginDirectoryShareOneLoaderAndTheOriginNamesTheProvidersJar()
            throws IOException {
        Path backend = providerJar("acme/acme-backend-1.0.jar", "acme");
        pluginJar("acme/acme-lib-1.0.jar", "acmelib", Map.of());
        Files.writeString(plugins.resolve("acme/README.txt"), "not a jar");
        try (PluginDirectorySource source = new PluginDirectorySource(plugins)) {
            List<DiscoveredBackend> found = source.discover();
            // The name comes from a class of the other jar: both jars are in one loader.
            assertThat(found).extracting(DiscoveredBackend::name).containsExactly("acme");
            DiscoveredBackend acme = found.get(0);
            assertThat(acme.origin()).isEqualTo(backend.toString());
            assertThat(acme.loader()).isInstanceOf(PluginClassLoader.class);
            assertThat(((PluginClassLoader) acme.loader()).pluginName())
                    .isEqualTo(plugins.resolve("acme").toString());
            assertThat(acme.loader().getParent()).isSameAs(ClassLoader.getPlatformClassLoader());
            assertThat(source.loaders()).hasSize(1);
        }
    }

    @Test
    void bareJarsGetALoaderEachAndAreReadInSortedOrder() throws IOException {
        providerJar("b.jar", "b");
        providerJar("a.jar", "a");
        try (PluginDirectorySource source = new PluginDirectorySource(plugins)) {
            List<DiscoveredBackend> found = source.discover();
            assertThat(found).extracting(DiscoveredBackend::name).containsExactly("a", "b");
            assertThat(found.get(0).loader()).isNotSameAs(found.get(1).loader());
            assertThat(found.get(0).origin()).isEqualTo(plugins.resolve("a.jar").toString());
        }
    }

    @Test
    void pluginsAndTheCoreSeeOnlyTheSharedPackagesOfEachOther() throws Exception {
        TestJars.jar(
                plugins.resolve("a.jar"),
                classes,
                List.of("com/example/a"),
                Map.of(
                        PluginDirectorySource.SERVICES_FILE,
                        "com.example.a.TestProvider\n",
                        "com/example/a/hello.txt",
                        "hello from a"));
        Files.createDirectories(plugins.resolve("b"));
        providerJar("b/b.jar", "b");
        TestJars.jar(plugins.resolve("b/lib.jar"), libTwo, List.of("com/example/shared"), Map.of());
        Files.createDirectories(plugins.resolve("c"));
        TestJars.jar(
                plugins.resolve("c/c-lib.jar"), libOne, List.of("com/example/shared"), Map.of());
        TestJars.jar(
                plugins.resolve("c/c.jar"),
                classes,
                List.of("com/example/dupa"),
                TestJars.services("com.example.dupa.TestProvider"));
        try (PluginDirectorySource source = new PluginDirectorySource(plugins)) {
            List<DiscoveredBackend> found = source.discover();
            ClassLoader a = only(found, "a").loader();
            ClassLoader b = only(found, "b").loader();
            ClassLoader c = only(found, "dup").loader();
            ClassLoader core = getClass().getClassLoader();

            // The API is one and the same class everywhere.
            assertThat(a.loadClass(VfioIommuDriverProvider.class.getName()))
                    .isSameAs(VfioIommuDriverProvider.class);
            assertThat(a.loadClass("org.slf4j.Logger")).isSameAs(org.slf4j.Logger.class);
            assertThat(a.getResource("io/vfio4j/api/VfioSpi.class"))
                    .isEqualTo(core.getResource("io/vfio4j/api/VfioSpi.class"));

            // The core's own classes and libraries are invisible to a plugin.
            for (String coreClass :
                    List.of(
                            Vfio.class.getName(),
                            getClass().getName(),
                            "com.google.inject.Guice",
                            "org.assertj.core.api.Assertions")) {
                assertThatThrownBy(() -> a.loadClass(coreClass))
                        .as(coreClass)
                        .isInstanceOf(ClassNotFoundException.class);
            }
            assertThat(a.getResource("com/google/inject/Guice.class")).isNull();

            // A plugin's classes and resources are invisible to the core and to other plugins.
            assertThatThrownBy(() -> Class.forName("com.example.a.TestProvider", false, core))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThatThrownBy(() -> b.loadClass("com.example.a.TestProvider"))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThat(a.getResource("com/example/a/hello.txt")).isNotNull();
            assertThat(core.getResource("com/example/a/hello.txt")).isNull();
            assertThat(b.getResource("com/example/a/hello.txt")).isNull();

            // One class name, two versions, in two plugins: each sees its own.
            assertThat(b.loadClass("com.example.shared.Lib").getMethod("which").invoke(null))
                    .isEqualTo("two");
            assertThat(c.loadClass("com.example.shared.Lib").getMethod("which").invoke(null))
                    .isEqualTo("one");
            assertThatThrownBy(() -> a.loadClass("com.example.shared.Lib"))
                    .isInstanceOf(ClassNotFoundException.class);
        }
    }

    @Test
    void aPluginJarCarryingApiClassesIsRefusedNamingTheJar() throws IOException {
        Path bad =
                TestJars.jar(
                        plugins.resolve("bad/bad-backend.jar"),
                        classes,
                        List.of("com/example/a"),
                        Map.of(
                                PluginDirectorySource.SERVICES_FILE,
                                "com.example.a.TestProvider\n",
                                "io/vfio4j/api/VfioSpi.class",
                                "a stale copy"));
        try (PluginDirectorySource source = new PluginDirectorySource(plugins)) {
            assertThatThrownBy(source::discover)
                    .isInstanceOf(VfioConfigurationException.class)
                    .hasMessageStartingWith(
                            "Plugin jar "
                                    + bad
                                    + " carries classes of the vfio4j API (io/vfio4j/api/VfioSpi.class)")
                    .hasMessageContaining("scope 'provided'");
        }
    }

    @Test
    void aPluginWithoutProviderIsRefusedListingItsJars() throws IOException {
        pluginJar("acme/acme-lib-1.0.jar", "acmelib", Map.of());
        pluginJar("acme/lonely.jar", "lonely", Map.of());
        try (PluginDirectorySource source = new PluginDirectorySource(plugins)) {
            assertThatThrownBy(source::discover)
                    .isInstanceOf(VfioConfigurationException.class)
                    .hasMessage(
                            "No io.vfio4j.api.VfioIommuDriverProvider in "
                                    + plugins.resolve("acme")
                                    + ": expected META-INF/services/io.vfio4j.api.VfioIommuDriverProvider"
                                    + " in one of [acme-lib-1.0.jar, lonely.jar]");
        }
    }

    @Test
    void aServicesFileNamingAMissingClassIsAConfigurationError() throws IOException {
        pluginJar("x.jar", "lonely", TestJars.services("com.example.lonely.Missing"));
        try (PluginDirectorySource source = new PluginDirectorySource(plugins)) {
            assertThatThrownBy(source::discover)
                    .isInstanceOf(VfioConfigurationException.class)
                    .hasMessageStartingWith(
                            "Cannot load IOMMU backend from " + plugins.resolve("x.jar"))
                    .hasMessageContaining("com.example.lonely.Missing");
        }
    }

    @Test
    void aNameFoundTwiceNamesBothJars() throws IOException {
        Path one = providerJar("one.jar", "dupa");
        Path two = providerJar("two.jar", "dupb");
        try (PluginDirectorySource source = new PluginDirectorySource(plugins)) {
            assertThatThrownBy(
                            () ->
                                    new BackendDiscovery()
                                            .discover(
                                                    List.of(source), VfioConfiguration.defaults()))
                    .isInstanceOf(VfioConfigurationException.class)
                    .hasMessage(
                            "IOMMU backend name 'dup' is provided twice: com.example.dupa.TestProvider ("
                                    + one
                                    + ") and com.example.dupb.TestProvider ("
                                    + two
                                    + ")");
        }
    }

    @Test
    void aNameOnTheClassPathAndInThePluginDirectoryIsRefused() throws IOException {
        Path plugin = providerJar("acme/acme-backend-1.0.jar", "a");
        try (PluginDirectorySource source = new PluginDirectorySource(plugins)) {
            DiscoveredBackend fromClassPath =
                    only(source.discover(), "a"); // a stand-in for a class-path copy
            BackendSource classPath =
                    () ->
                            List.of(
                                    DiscoveredBackend.describe(
                                            fromClassPath.provider(),
                                            "class path: a-backend-1.0.jar"));
            assertThatThrownBy(
                            () ->
                                    new BackendDiscovery()
                                            .discover(
                                                    List.of(classPath, source),
                                                    VfioConfiguration.defaults()))
                    .isInstanceOf(VfioConfigurationException.class)
                    .hasMessageContaining("(class path: a-backend-1.0.jar) and")
                    .hasMessageEndingWith("(" + plugin + ")");
        }
    }

    @Test
    void theVfioFindsPluginsByConfigurationCallsThemWithTheirLoaderAndClosesThem()
            throws Exception {
        providerJar("acme/acme-backend-1.0.jar", "acme");
        pluginJar("acme/acme-lib-1.0.jar", "acmelib", Map.of());
        SimHost host = SimHost.builder().build();
        host.addIommuGroup(IommuGroupSpec.of(1));
        SimProcess qemu = host.spawnProcess(ProcessSpec.defaults());
        VfioConfiguration config =
                VfioConfiguration.of(
                        Map.of(
                                VfioConfiguration.PLUGIN_DIR,
                                plugins.toString(),
                                VfioConfiguration.DEFAULT_BACKEND,
                                "acme"));
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        PluginClassLoader loader;
        try (Vfio vfio =
                Vfio.builder().host(host).configuration(config).withoutClassPath().build()) {
            DiscoveredBackend acme = vfio.backends().require("acme");
            loader = (PluginClassLoader) acme.loader();
            assertThat(acme.origin())
                    .isEqualTo(plugins.resolve("acme/acme-backend-1.0.jar").toString());
            assertThat(
                            loader.loadClass("com.example.acme.TestProvider")
                                    .getField("constructedWithOwnContextLoader")
                                    .getBoolean(null))
                    .isTrue();

            VfioContainer container = vfio.openContainer();
            vfio.group(1).setContainer(qemu, container);
            container.setIommu();
            assertThat(container.iommuType()).contains(IommuType.TYPE1v2);
            assertThat(container.checkExtension(qemu, IommuType.TYPE1v2.id())).isEqualTo(1);
            assertThat(container.state().orElseThrow().sortedDetails())
                    .containsExactly(
                            Map.entry("tccl.attach", 1L),
                            Map.entry("tccl.execute", 1L),
                            Map.entry("tccl.open", 1L),
                            Map.entry("tccl.state", 1L));
            assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(before);
            // Not loaded yet, so still loadable while the loader is open.
            assertThat(loader.loadClass("com.example.acmelib.Helper")).isNotNull();
        }
        assertThatThrownBy(() -> loader.loadClass("com.example.acme.Unloaded"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThat(loader.getResource("com/example/acmelib/Helper.class"))
                .as("a closed loader finds no resources")
                .isNull();
    }

    @Test
    void aFailedStartClosesThePluginLoaders() throws IOException {
        providerJar("a.jar", "a");
        VfioConfiguration config =
                VfioConfiguration.of(
                        Map.of(
                                VfioConfiguration.PLUGIN_DIR,
                                plugins.toString(),
                                VfioConfiguration.DEFAULT_BACKEND,
                                "nope"));
        PluginDirectorySource source = new PluginDirectorySource(plugins);
        assertThatThrownBy(
                        () ->
                                Vfio.builder()
                                        .configuration(config)
                                        .withoutClassPath()
                                        .withoutPluginDirectory()
                                        .addSource(source)
                                        .build())
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessageContaining("Available: a (" + plugins.resolve("a.jar") + ")");
        assertThat(source.loaders()).isEmpty();
    }
}
