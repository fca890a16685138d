package io.vfio4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.host.HostPlatform;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.Platform;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * With nothing configured the default backend is the built-in one serving the host's platform, and
 * a plugin never takes a type from a built-in backend unless configuration says so.
 */
class DefaultBackendTest {
    private static final Set<HostPlatform> TYPE1_PLATFORMS =
            Set.of(HostPlatform.X86_64, HostPlatform.AARCH64);

    /** Providers that count as built in, as the class-path source marks them. */
    private static BackendSource builtIn(VfioIommuDriverProvider... providers) {
        return () -> {
            List<DiscoveredBackend> out = new ArrayList<>();
            for (VfioIommuDriverProvider p : providers) {
                out.add(DiscoveredBackend.describeBuiltIn(p, "class path: " + p.name() + ".jar"));
            }
            return out;
        };
    }

    private final FakeProvider type1 =
            new FakeProvider("type1", Set.of(IommuType.TYPE1, IommuType.TYPE1v2))
                    .servingPlatforms(TYPE1_PLATFORMS);
    private final FakeProvider spapr =
            new FakeProvider("spapr-tce", Set.of(IommuType.SPAPR_TCE, IommuType.SPAPR_TCE_v2))
                    .servingPlatforms(Set.of(HostPlatform.PPC64));

    /** A third-party plugin built against SPI 1.0: it serves every platform by default. */
    private final FakeProvider aaa = new FakeProvider("aaa", Set.of(IommuType.TYPE1v2));

    private Vfio vfio(Platform platform, Map<String, String> config) {
        SimHost host = SimHost.builder().platform(platform).build();
        host.addIommuGroup(IommuGroupSpec.builder().id(7).devices(List.of("0000:01:00.0")).build());
        return Vfio.builder()
                .host(host)
                .withoutClassPath()
                .withoutPluginDirectory()
                .addSource(builtIn(spapr, type1))
                .addSource(new FixedSource("plugins/aaa.jar", aaa))
                .configuration(VfioConfiguration.of(config))
                .build();
    }

    private static String defaultName(Vfio vfio) {
        return vfio.backends().defaultBackend().orElseThrow().name();
    }

    private static List<String> order(Vfio vfio) {
        return vfio.backends().backends().stream().map(DiscoveredBackend::name).toList();
    }

    @Test
    void anX86HostWithNothingConfiguredDefaultsToType1AndOffersPluginsAfterIt() {
        try (Vfio vfio = vfio(Platform.X86, Map.of())) {
            assertThat(defaultName(vfio)).isEqualTo("type1");
            assertThat(order(vfio)).containsExactly("type1", "aaa", "spapr-tce");
            assertThat(vfio.backends().find("type1").orElseThrow().builtIn()).isTrue();
            assertThat(vfio.backends().find("aaa").orElseThrow().builtIn()).isFalse();
        }
    }

    @Test
    void aPowerHostDefaultsToSpaprTce() {
        try (Vfio vfio = vfio(Platform.POWER, Map.of())) {
            assertThat(vfio.host().hostPlatform()).isEqualTo(HostPlatform.PPC64);
            assertThat(defaultName(vfio)).isEqualTo("spapr-tce");
            // aaa declares no platform, so it serves every one, POWER included: after the
            // built-in spapr-tce, before type1, which is not made for POWER.
            assertThat(order(vfio)).containsExactly("spapr-tce", "aaa", "type1");
        }
    }

    @Test
    void anArmHostDefaultsToType1() {
        try (Vfio vfio = vfio(Platform.AARCH64, Map.of())) {
            assertThat(vfio.host().pageSize()).isEqualTo(4096);
            assertThat(defaultName(vfio)).isEqualTo("type1");
        }
    }

    @Test
    void aPluginNamedAaaDoesNotTakeType1v2ContainersUnlessConfigured() {
        try (Vfio vfio = vfio(Platform.X86, Map.of())) {
            SimProcess qemu = vfio.host().spawnProcess(ProcessSpec.builder().build());
            VfioContainer c = vfio.openContainer();
            vfio.group(7).setContainer(qemu, c);
            c.setIommu(IommuType.TYPE1v2);
            assertThat(c.backendName()).contains("type1");
            assertThat(c.backend().orElseThrow().origin()).isEqualTo("class path: type1.jar");
            assertThat(aaa.calls).isEmpty();
        }
        try (Vfio vfio = vfio(Platform.X86, Map.of(VfioConfiguration.BACKENDS, "aaa,type1"))) {
            SimProcess qemu = vfio.host().spawnProcess(ProcessSpec.builder().build());
            VfioContainer c = vfio.openContainer();
            vfio.group(7).setContainer(qemu, c);
            c.setIommu(IommuType.TYPE1v2);
            assertThat(c.backendName()).contains("aaa");
            assertThat(c.backend().orElseThrow().origin()).isEqualTo("plugins/aaa.jar");
            assertThat(defaultName(vfio)).isEqualTo("aaa");
            assertThat(order(vfio)).containsExactly("aaa", "type1");
        }
    }

    @Test
    void theConfiguredDefaultWinsOverThePlatform() {
        try (Vfio vfio =
                vfio(Platform.X86, Map.of(VfioConfiguration.DEFAULT_BACKEND, "spapr-tce"))) {
            assertThat(defaultName(vfio)).isEqualTo("spapr-tce");
            assertThat(order(vfio)).containsExactly("spapr-tce", "type1", "aaa");
        }
        try (Vfio vfio = vfio(Platform.POWER, Map.of(VfioConfiguration.DEFAULT_BACKEND, "aaa"))) {
            SimProcess qemu = vfio.host().spawnProcess(ProcessSpec.builder().build());
            VfioContainer c = vfio.openContainer();
            vfio.group(7).setContainer(qemu, c);
            c.setIommu();
            assertThat(c.backendName()).contains("aaa");
            assertThat(c.iommuType()).contains(IommuType.TYPE1v2);
        }
    }
}
