package io.vfio4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.IommuType;
import io.vfio4j.api.SpiVersion;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.VfioSpi;
import io.vfio4j.host.SimHost;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery, validation and configuration of backends (docs/reference/plugins.md §4.3–4.4). */
class BackendDiscoveryTest {
    private final FakeProvider type1 = new FakeProvider("type1", Set.of(IommuType.TYPE1v2));
    private final FakeProvider spapr =
            new FakeProvider("spapr-tce", Set.of(IommuType.SPAPR_TCE_v2));

    private static List<DiscoveredBackend> discover(
            Map<String, String> config, BackendSource... sources) {
        return new BackendDiscovery().discover(List.of(sources), VfioConfiguration.of(config));
    }

    @Test
    void withoutAllowListEveryBackendIsOfferedInNameOrderWithTheDefaultFirst() {
        assertThat(discover(Map.of(), new FixedSource("a.jar", type1, spapr)))
                .extracting(DiscoveredBackend::name)
                .containsExactly("spapr-tce", "type1");
        assertThat(
                        discover(
                                Map.of("vfio4j.backend.default", "type1"),
                                new FixedSource("a.jar", type1, spapr)))
                .extracting(DiscoveredBackend::name)
                .containsExactly("type1", "spapr-tce");
    }

    @Test
    void theAllowListFiltersAndOrders() {
        FakeProvider third = new FakeProvider("acme", Set.of(IommuType.NOIOMMU));
        assertThat(
                        discover(
                                Map.of("vfio4j.backends", "type1, acme"),
                                new FixedSource("a.jar", type1, spapr, third)))
                .extracting(DiscoveredBackend::name)
                .containsExactly("type1", "acme");
    }

    @Test
    void anUnknownDefaultListsWhatExistsAndWhereItCameFrom() {
        assertThatThrownBy(
                        () ->
                                discover(
                                        Map.of("vfio4j.backend.default", "tpye1"),
                                        new FixedSource("class path: b.jar", type1, spapr)))
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessage(
                        "No IOMMU backend named 'tpye1' (from vfio4j.backend.default, explicit). "
                                + "Available: spapr-tce (class path: b.jar), type1 (class path: b.jar)");
    }

    @Test
    void anUnknownNameInTheAllowListIsRefused() {
        assertThatThrownBy(
                        () ->
                                discover(
                                        Map.of("vfio4j.backends", "type1,nope"),
                                        new FixedSource("x", type1)))
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessageStartingWith("No IOMMU backend named 'nope' (from vfio4j.backends");
    }

    @Test
    void aDefaultOutsideTheAllowListIsRefused() {
        assertThatThrownBy(
                        () ->
                                discover(
                                        Map.of(
                                                "vfio4j.backends",
                                                "type1",
                                                "vfio4j.backend.default",
                                                "spapr-tce"),
                                        new FixedSource("x", type1, spapr)))
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessageContaining("Default backend 'spapr-tce'")
                .hasMessageContaining("is not in vfio4j.backends = [type1]");
    }

    @Test
    void aNameProvidedTwiceNamesBothOrigins() {
        FakeProvider clone = new FakeProvider("type1", Set.of(IommuType.TYPE1));
        assertThatThrownBy(
                        () ->
                                discover(
                                        Map.of(),
                                        new FixedSource("class path: backend-type1.jar", type1),
                                        new FixedSource("plugins/acme/acme.jar", clone)))
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessage(
                        "IOMMU backend name 'type1' is provided twice: io.vfio4j.core.FakeProvider "
                                + "(class path: backend-type1.jar) and io.vfio4j.core.FakeProvider (plugins/acme/acme.jar)");
    }

    @Test
    void anSpiVersionNewerThanTheRuntimeIsRefused() {
        FakeProvider newerMajor =
                new FakeProvider(
                        "future", Set.of(IommuType.TYPE1), SpiVersion.of(VfioSpi.MAJOR + 1, 0));
        assertThatThrownBy(
                        () -> discover(Map.of(), new FixedSource("plugins/future.jar", newerMajor)))
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessage(
                        "Backend 'future' (plugins/future.jar) was built for vfio4j SPI "
                                + (VfioSpi.MAJOR + 1)
                                + ".0; this runtime supports SPI "
                                + VfioSpi.MAJOR
                                + ".0-"
                                + VfioSpi.runtime());
        FakeProvider newerMinor =
                new FakeProvider(
                        "soon",
                        Set.of(IommuType.TYPE1),
                        SpiVersion.of(VfioSpi.MAJOR, VfioSpi.MINOR + 1));
        assertThatThrownBy(() -> discover(Map.of(), new FixedSource("x", newerMinor)))
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessageContaining(
                        "was built for vfio4j SPI " + VfioSpi.MAJOR + "." + (VfioSpi.MINOR + 1));
    }

    @Test
    void aBadNameIsRefused() {
        FakeProvider bad = new FakeProvider("Type_1", Set.of(IommuType.TYPE1));
        assertThatThrownBy(() -> discover(Map.of(), new FixedSource("x.jar", bad)))
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessage(
                        "Backend name 'Type_1' from io.vfio4j.core.FakeProvider (x.jar) does not match [a-z][a-z0-9-]*");
    }

    @Test
    void unknownKeysAreRefusedWithWhatIsAccepted() {
        assertThatThrownBy(
                        () ->
                                discover(
                                        Map.of("vfio4j.backend.type1.colour", "red"),
                                        new FixedSource("x", type1)))
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessageContaining(
                        "vfio4j.backend.type1.colour (from explicit): backend 'type1' has no setting 'colour'; its settings: [color]");
        assertThatThrownBy(
                        () ->
                                discover(
                                        Map.of("vfio4j.backend.tpye1.color", "red"),
                                        new FixedSource("x", type1)))
                .hasMessageContaining("no backend named 'tpye1'; known backends: [type1]");
        assertThatThrownBy(
                        () ->
                                discover(
                                        Map.of("vfio4j.chek-invariants", "true"),
                                        new FixedSource("x", type1)))
                .hasMessageContaining(
                        "vfio4j.chek-invariants (from explicit) is not a vfio4j setting");
        assertThatThrownBy(
                        () ->
                                discover(
                                        Map.of("vfio4j.check-invariants", "yes"),
                                        new FixedSource("x", type1)))
                .hasMessage("vfio4j.check-invariants = 'yes' (from explicit) is not true or false");
    }

    @Test
    void serviceLoaderFindsProvidersThroughMetaInfServices(@TempDir Path dir) throws IOException {
        Path services = dir.resolve("META-INF/services/" + VfioIommuDriverProvider.class.getName());
        Files.createDirectories(services.getParent());
        Files.writeString(
                services, "# a test provider\n" + ServiceLoadedProvider.class.getName() + "\n");
        try (URLClassLoader loader =
                new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            List<DiscoveredBackend> found = new ClassPathBackendSource(loader).discover();
            assertThat(found).extracting(DiscoveredBackend::name).containsExactly("service-loaded");
            assertThat(found.get(0).origin()).startsWith("class path: ");
            assertThat(found.get(0).types()).containsExactly(IommuType.TYPE1);
        }
    }

    @Test
    void guiceBindsEveryValidatedProviderInTheMapBinder() {
        try (Vfio vfio =
                Vfio.builder()
                        .host(SimHost.builder().build())
                        .withoutClassPath()
                        .addSource(new FixedSource("x", type1, spapr))
                        .configuration(VfioConfiguration.of(Map.of()))
                        .build()) {
            assertThat(vfio.backends().backends())
                    .extracting(DiscoveredBackend::provider)
                    .containsExactly(spapr, type1);
            assertThat(vfio.backends().require("type1").provider()).isSameAs(type1);
            assertThatThrownBy(() -> vfio.backends().require("nope"))
                    .hasMessage(
                            "No IOMMU backend named 'nope'. Available: spapr-tce (x), type1 (x)");
        }
    }

    @Test
    void sourcesAreClosedWhenDiscoveryFailsAndWhenVfioCloses() {
        FixedSource broken = new FixedSource("x", new FakeProvider("BAD", Set.of(IommuType.TYPE1)));
        assertThatThrownBy(
                        () ->
                                Vfio.builder()
                                        .host(SimHost.builder().build())
                                        .withoutClassPath()
                                        .addSource(broken)
                                        .configuration(VfioConfiguration.of(Map.of()))
                                        .build())
                .isInstanceOf(VfioConfigurationException.class);
        assertThat(broken.closed).isTrue();
        FixedSource ok = new FixedSource("x", type1);
        Vfio vfio =
                Vfio.builder()
                        .host(SimHost.builder().build())
                        .withoutClassPath()
                        .addSource(ok)
                        .configuration(VfioConfiguration.of(Map.of()))
                        .build();
        assertThat(ok.closed).isFalse();
        vfio.close();
        assertThat(ok.closed).isTrue();
    }

    /** Loaded by ServiceLoader in {@link #serviceLoaderFindsProvidersThroughMetaInfServices}. */
    public static final class ServiceLoadedProvider implements VfioIommuDriverProvider {
        private final FakeProvider delegate =
                new FakeProvider("service-loaded", Set.of(IommuType.TYPE1));

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public SpiVersion spiVersion() {
            return SpiVersion.of(VfioSpi.MAJOR, VfioSpi.MINOR);
        }

        @Override
        public Set<IommuType> supportedTypes() {
            return delegate.supportedTypes();
        }

        @Override
        public int checkExtension(long extension, io.vfio4j.api.host.HostView host) {
            return delegate.checkExtension(extension, host);
        }

        @Override
        public io.vfio4j.api.VfioIommuDriverOps open(io.vfio4j.api.DriverContext context) {
            return delegate.open(context);
        }
    }
}
