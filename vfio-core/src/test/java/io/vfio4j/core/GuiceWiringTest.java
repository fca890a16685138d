package io.vfio4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link VfioModule}'s bindings, overridden and extended by an application's modules. */
class GuiceWiringTest {
    private final FakeProvider fake = new FakeProvider("fake", Set.of(IommuType.TYPE1v2));

    private static Vfio.Builder builder() {
        return Vfio.builder().withoutClassPath().configuration(VfioConfiguration.of(Map.of()));
    }

    @Test
    void theDefaultBindingsAreTheRuntimesOwn() {
        SimHost host = SimHost.builder().build();
        try (Vfio vfio = builder().host(host).addSource(new FixedSource("test", fake)).build()) {
            assertThat(vfio.injector().getInstance(SimHost.class)).isSameAs(host);
            assertThat(vfio.injector().getInstance(BackendRegistry.class))
                    .isSameAs(vfio.backends());
            assertThat(vfio.injector().getInstance(VfioConfiguration.class))
                    .isSameAs(vfio.configuration());
            assertThat(vfio.injector().getInstance(VfioEventSink.class))
                    .isInstanceOf(LoggingEventSink.class);
        }
    }

    @Test
    void aModuleAddsAProviderThatIsValidatedAndOfferedLikeTheOthers() {
        FakeProvider extra = new FakeProvider("extra", Set.of(IommuType.TYPE1));
        try (Vfio vfio =
                builder()
                        .addSource(new FixedSource("test", fake))
                        .modules(
                                new AbstractModule() {
                                    @Override
                                    protected void configure() {
                                        VfioModule.providers(binder())
                                                .addBinding()
                                                .toInstance(extra);
                                    }
                                })
                        .build()) {
            assertThat(vfio.backends().backends())
                    .extracting(DiscoveredBackend::name)
                    .containsExactlyInAnyOrder("fake", "extra");
            assertThat(vfio.backends().require("extra").provider()).isSameAs(extra);
            assertThat(vfio.backends().require("extra").origin()).startsWith("Guice module: ");
        }
        FakeProvider bad = new FakeProvider("Bad_Name", Set.of(IommuType.TYPE1));
        assertThatThrownBy(
                        () ->
                                builder()
                                        .modules(
                                                new AbstractModule() {
                                                    @Override
                                                    protected void configure() {
                                                        VfioModule.providers(binder())
                                                                .addBinding()
                                                                .toInstance(bad);
                                                    }
                                                })
                                        .build())
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessageContaining("Bad_Name");
    }

    @Test
    void aModuleOverridesTheHostAndTheEventSink() {
        SimHost builderHost = SimHost.builder().build();
        SimHost moduleHost = SimHost.builder().pageSize(64 * 1024).build();
        List<String> taints = new ArrayList<>();
        VfioEventSink sink =
                new VfioEventSink() {
                    @Override
                    public void vendorLeak(VendorLeak leak) {}

                    @Override
                    public void taint(String reason) {
                        taints.add(reason);
                    }
                };
        try (Vfio vfio =
                builder()
                        .host(builderHost)
                        .addSource(new FixedSource("test", fake))
                        .modules(
                                new AbstractModule() {
                                    @Override
                                    protected void configure() {
                                        bind(SimHost.class).toInstance(moduleHost);
                                        bind(VfioEventSink.class).toInstance(sink);
                                    }
                                })
                        .build()) {
            assertThat(vfio.host()).isSameAs(moduleHost);
            vfio.events().taint("no-IOMMU group used");
            assertThat(taints).containsExactly("no-IOMMU group used");
            assertThat(moduleHost.taints()).containsExactly("no-IOMMU group used");
            assertThat(builderHost.taints()).isEmpty();
        }
    }

    @Test
    void aModuleBindsTheDriverBehindAHardwareGroupsDevice() {
        SimHost host = SimHost.builder().build();
        host.addIommuGroup(
                IommuGroupSpec.builder()
                        .id(1)
                        .devices(List.of("0000:01:00.0", "0000:01:00.1"))
                        .build());
        SimProcess qemu = host.spawnProcess(ProcessSpec.builder().build());
        List<String> calls = new ArrayList<>();
        VfioDeviceDriver gpu =
                new VfioDeviceDriver() {
                    @Override
                    public void open(VfioDevice device) {
                        calls.add("open " + device.name());
                    }

                    @Override
                    public void close(VfioDevice device) {
                        calls.add("close " + device.name());
                    }

                    @Override
                    public Optional<DmaUnmapListener> dmaUnmapListener() {
                        return Optional.of((iova, length) -> {});
                    }
                };
        try (Vfio vfio =
                builder()
                        .host(host)
                        .addSource(new FixedSource("test", fake))
                        .modules(
                                new AbstractModule() {
                                    @Override
                                    protected void configure() {
                                        VfioModule.deviceDrivers(binder())
                                                .addBinding("0000:01:00.0")
                                                .toInstance(gpu);
                                    }
                                })
                        .build()) {
            VfioGroup g = vfio.group(1);
            assertThat(g.device("0000:01:00.0").driver()).isSameAs(gpu);
            assertThat(g.device("0000:01:00.1").driver()).isSameAs(VfioDeviceDriver.PASSTHROUGH);
            VfioContainer c = vfio.openContainer();
            g.setContainer(qemu, c);
            c.setIommu(IommuType.TYPE1v2);
            VfioDevice d = g.openDevice("0000:01:00.0");
            g.openDevice("0000:01:00.1").close();
            d.close();
            assertThat(calls).containsExactly("open 0000:01:00.0", "close 0000:01:00.0");
        }
    }
}
