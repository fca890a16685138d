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
 * A backend offered only when configured (SPI 1.4, iommufd's type1 compat container): it is listed
 * last and never asked for a type unless the configuration names it, globally (the default, the
 * allow-list) or for one container (by name), although its name sorts before the default's.
 */
class OptInBackendTest {
    private static final Set<HostPlatform> X86 = Set.of(HostPlatform.X86_64);

    private final FakeProvider type1 =
            new FakeProvider("type1", Set.of(IommuType.TYPE1, IommuType.TYPE1v2))
                    .servingPlatforms(X86);
    private final FakeProvider compat =
            new FakeProvider("compat", Set.of(IommuType.TYPE1, IommuType.TYPE1v2))
                    .servingPlatforms(X86)
                    .onlyWhenConfigured();

    private static BackendSource builtIn(VfioIommuDriverProvider... providers) {
        return () -> {
            List<DiscoveredBackend> out = new ArrayList<>();
            for (VfioIommuDriverProvider p : providers) {
                out.add(DiscoveredBackend.describeBuiltIn(p, "class path: " + p.name() + ".jar"));
            }
            return out;
        };
    }

    private Vfio vfio(Map<String, String> config) {
        SimHost host = SimHost.builder().platform(Platform.X86).build();
        host.addIommuGroup(IommuGroupSpec.builder().id(7).devices(List.of("0000:01:00.0")).build());
        return Vfio.builder()
                .host(host)
                .withoutClassPath()
                .withoutPluginDirectory()
                .addSource(builtIn(compat, type1))
                .configuration(VfioConfiguration.of(config))
                .build();
    }

    private static VfioContainer containerWithGroup(Vfio vfio) {
        SimProcess qemu = vfio.host().spawnProcess(ProcessSpec.builder().build());
        VfioContainer c = vfio.openContainer();
        vfio.group(7).setContainer(qemu, c);
        return c;
    }

    private static List<String> names(List<DiscoveredBackend> list) {
        return list.stream().map(DiscoveredBackend::name).toList();
    }

    @Test
    void unconfiguredItIsListedLastAndNeverAsked() {
        try (Vfio vfio = vfio(Map.of())) {
            assertThat(names(vfio.backends().backends())).containsExactly("type1", "compat");
            assertThat(names(vfio.backends().offered())).containsExactly("type1");
            assertThat(vfio.backends().defaultBackend().orElseThrow().name()).isEqualTo("type1");
            assertThat(vfio.backends().find("compat").orElseThrow().offeredOnlyWhenConfigured())
                    .isTrue();
            VfioContainer c = containerWithGroup(vfio);
            c.setIommu(IommuType.TYPE1v2);
            assertThat(c.backendName()).contains("type1");
            assertThat(compat.calls).isEmpty();
        }
    }

    @Test
    void theDefaultKeySelectsItForEveryContainer() {
        try (Vfio vfio = vfio(Map.of(VfioConfiguration.DEFAULT_BACKEND, "compat"))) {
            assertThat(names(vfio.backends().offered())).containsExactly("compat", "type1");
            VfioContainer c = containerWithGroup(vfio);
            c.setIommu(IommuType.TYPE1v2);
            assertThat(c.backendName()).contains("compat");
        }
    }

    @Test
    void theAllowListSelectsItInItsOrder() {
        try (Vfio vfio = vfio(Map.of(VfioConfiguration.BACKENDS, "compat,type1"))) {
            VfioContainer c = containerWithGroup(vfio);
            c.setIommu(IommuType.TYPE1);
            assertThat(c.backendName()).contains("compat");
        }
    }

    @Test
    void oneContainerSelectsItByName() {
        try (Vfio vfio = vfio(Map.of())) {
            VfioContainer c = containerWithGroup(vfio);
            c.setIommu("compat", IommuType.TYPE1v2);
            assertThat(c.backendName()).contains("compat");
            assertThat(c.iommuType()).contains(IommuType.TYPE1v2);
        }
    }
}
