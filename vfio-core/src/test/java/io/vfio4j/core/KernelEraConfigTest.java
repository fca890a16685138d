package io.vfio4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.DriverContext;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.host.HostView;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code vfio4j.kernel}: parsed and validated by the configuration, handed unchanged to every
 * backend through its {@link DriverContext}; the core gives it no meaning.
 */
class KernelEraConfigTest {
    private final SimHost host = SimHost.builder().build();
    private final FakeProvider alpha = new FakeProvider("alpha", Set.of(IommuType.TYPE1v2));

    private DriverContext contextUnder(Map<String, String> config) {
        host.addIommuGroup(IommuGroupSpec.builder().id(7).devices(List.of("0000:01:00.0")).build());
        Vfio vfio =
                Vfio.builder()
                        .host(host)
                        .withoutClassPath()
                        .addSource(new FixedSource("test", alpha))
                        .configuration(VfioConfiguration.of(ContainerRulesTest.withChecks(config)))
                        .build();
        SimProcess qemu = host.spawnProcess(ProcessSpec.builder().build());
        VfioContainer c = vfio.openContainer();
        vfio.group(7).setContainer(qemu, c);
        c.setIommu(IommuType.TYPE1v2);
        return alpha.lastContext;
    }

    @Test
    void theBackendSeesTheBaselineByDefault() {
        assertThat(VfioConfiguration.defaults().kernel()).isEqualTo(KernelVersion.of(6, 16));
        assertThat(contextUnder(Map.of()).kernel()).isEqualTo(KernelVersion.BASELINE);
    }

    @Test
    void theBackendSeesTheConfiguredEra() {
        assertThat(contextUnder(Map.of(VfioConfiguration.KERNEL, "6.18")).kernel())
                .isEqualTo(KernelVersion.of(6, 18));
    }

    @Test
    void aBadEraIsRefusedAtStartUpNamingTheKeyAndItsOrigin() {
        for (String bad : List.of("6", "6.x", "latest", "2.6", "6.18.1", "")) {
            assertThatThrownBy(
                            () ->
                                    Vfio.builder()
                                            .host(host)
                                            .withoutClassPath()
                                            .addSource(new FixedSource("test", alpha))
                                            .configuration(
                                                    VfioConfiguration.of(
                                                            Map.of(VfioConfiguration.KERNEL, bad)))
                                            .build())
                    .isInstanceOf(VfioConfigurationException.class)
                    .hasMessageStartingWith("vfio4j.kernel (from explicit): ")
                    .hasMessageContaining(bad.isEmpty() ? "not a kernel release" : bad);
        }
    }

    @Test
    void versionsParseAndCompare() {
        assertThat(KernelVersion.parse(" 5.0 ")).isEqualTo(KernelVersion.of(5, 0));
        assertThat(KernelVersion.parse("6.18").atLeast(KernelVersion.parse("6.16"))).isTrue();
        assertThat(KernelVersion.parse("6.9").atLeast(KernelVersion.parse("6.16"))).isFalse();
        assertThat(KernelVersion.parse("7.2").compareTo(KernelVersion.parse("6.18"))).isPositive();
        assertThat(KernelVersion.parse("6.12").toString()).isEqualTo("6.12");
        assertThatThrownBy(() -> KernelVersion.parse("2.6"))
                .hasMessage("kernel 2.6 predates VFIO (merged in 3.6)");
        assertThatThrownBy(() -> KernelVersion.parse("6.x"))
                .hasMessage("'6.x' is not a kernel release: use major.minor, e.g. 6.16 or 6.18");
    }

    @Test
    void checkExtensionBeforeSetIommuAsksTheBackendForTheConfiguredEra() {
        List<KernelVersion> asked = new java.util.ArrayList<>();
        FakeProvider eraAware =
                new FakeProvider("alpha", Set.of(IommuType.TYPE1v2)) {
                    @Override
                    public int checkExtension(long extension, HostView view, KernelVersion kernel) {
                        asked.add(kernel);
                        // An answer that only exists up to 6.12, as type1's TYPE1_NESTING.
                        return extension == 6 && !kernel.atLeast(KernelVersion.of(6, 13)) ? 1 : 0;
                    }
                };
        for (String kernel : List.of("6.12", "6.16")) {
            Vfio vfio =
                    Vfio.builder()
                            .host(host)
                            .withoutClassPath()
                            .addSource(new FixedSource("test", eraAware))
                            .configuration(
                                    VfioConfiguration.of(
                                            ContainerRulesTest.withChecks(
                                                    Map.of(VfioConfiguration.KERNEL, kernel))))
                            .build();
            SimProcess qemu = host.spawnProcess(ProcessSpec.builder().build());
            VfioContainer c = vfio.openContainer();
            assertThat(c.ioctl(qemu, new CheckExtension(6)))
                    .as("kernel %s", kernel)
                    .isEqualTo(kernel.equals("6.12") ? 1 : 0);
        }
        assertThat(asked).containsExactly(KernelVersion.of(6, 12), KernelVersion.of(6, 16));
    }
}
