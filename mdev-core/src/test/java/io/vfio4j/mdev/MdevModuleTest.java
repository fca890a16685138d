package io.vfio4j.mdev;

import static io.vfio4j.mdev.Errnos.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.Module;
import com.google.inject.util.Modules;
import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Vendor drivers bound with Guice ({@link MdevModule}) and the runtime's bus ({@link MdevBus#of}).
 */
class MdevModuleTest {
    private static final long P = 4096;
    private static final long VADDR = 0x7f00_0000_0000L;
    private static final long RAM = 16L << 20;
    private static final String GPU = "0000:65:00.0";
    private static final String GPU2 = "0000:66:00.0";

    private final SimHost host = SimHost.builder().build();
    private final SimProcess qemu =
            host.spawnProcess(ProcessSpec.builder().name("qemu").memlockLimitBytes(RAM).build());

    /** A vendor's module: parent {@link #GPU}, driver "vgpu", type vgpu-small (2 instances). */
    private static final class VendorWiring extends AbstractModule {
        @Override
        protected void configure() {
            MdevModule.parent(binder(), GPU)
                    .toInstance(
                            new MdevParentBinding(
                                    new ScriptedVendor("vgpu", P),
                                    List.of(new MdevTypeSpec("small", "a small vGPU", 2))));
        }
    }

    private Vfio runtime(Module... modules) {
        return Vfio.builder()
                .host(host)
                .withoutClassPath()
                .addSource(new FixedBackends(new FakePinBackend()))
                .configuration(VfioConfiguration.of(Map.of()))
                .modules(modules)
                .build();
    }

    /** Creates an mdev of {@code type}, puts it in a new container over the RAM and opens it. */
    private ScriptedDevice plug(MdevBus bus, MdevType type, VfioContainer container) {
        MdevDevice d = bus.create(type, UUID.randomUUID());
        d.group().setContainer(qemu, container);
        if (container.backendName().isEmpty()) {
            container.setIommu(IommuType.TYPE1v2);
            qemu.mmap(RegionSpec.anonymous(VADDR, RAM));
            container.ioctl(qemu, MapDma.rw(VADDR, 0, RAM));
        }
        d.group().openDevice(d.name());
        return ScriptedVendor.of(d);
    }

    private long lockedVm() {
        return qemu.simAddressSpace().orElseThrow().lockedVm();
    }

    @Test
    void aBoundVendorDriverIsRegisteredAndItsMdevPinsThroughTheContainer() {
        Vfio vfio = runtime(new VendorWiring());
        MdevBus bus = MdevBus.of(vfio);
        assertThat(MdevBus.of(vfio)).as("one bus per runtime").isSameAs(bus);
        assertThat(bus.parents()).extracting(MdevParent::name).containsExactly(GPU);
        MdevType small = bus.parent(GPU).orElseThrow().requireType("vgpu-small");
        assertThat(small.availableInstances()).isEqualTo(2);

        ScriptedDevice dev = plug(bus, small, vfio.openContainer());
        assertThat(small.availableInstances()).isEqualTo(1);
        assertThat(dev.pin(0, 3, DmaProt.RW)).isEqualTo(3);
        assertThat(lockedVm()).isEqualTo(3);
        // Past the end of the mapped RAM: refused, nothing more pinned or charged.
        assertErrno(() -> dev.pin(RAM, 1, DmaProt.RW), Errno.EINVAL);
        assertThat(lockedVm()).isEqualTo(3);
        assertThat(dev.held()).containsOnlyKeys(0L, P, 2 * P);

        vfio.close();
        assertThat(lockedVm()).isZero();
        assertThat(vfio.vendorLeaks()).isEmpty();
    }

    @Test
    void threadsAskingAtOnceGetOneBusWithTheParentRegisteredOnce() throws Exception {
        Vfio vfio = runtime(new VendorWiring());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<MdevBus>> asks = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                asks.add(pool.submit(() -> MdevBus.of(vfio)));
            }
            MdevBus first = asks.get(0).get(10, TimeUnit.SECONDS);
            for (Future<MdevBus> f : asks) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isSameAs(first);
            }
            assertThat(first.parents()).extracting(MdevParent::name).containsExactly(GPU);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anApplicationModuleOverridingTheBindingReplacesTheDriver() {
        TestVendor mine = new TestVendor(P);
        Module app =
                binder ->
                        MdevModule.parent(binder, GPU)
                                .toInstance(
                                        new MdevParentBinding(
                                                mine, List.of(new MdevTypeSpec("big", "mine", 1))));
        Vfio vfio = runtime(Modules.override(new VendorWiring()).with(app));
        MdevBus bus = MdevBus.of(vfio);

        MdevParent parent = bus.parent(GPU).orElseThrow();
        assertThat(parent.driver()).isSameAs(mine);
        assertThat(parent.types()).extracting(MdevType::name).containsExactly("tvgpu-big");
        assertErrno(() -> parent.requireType("vgpu-small"), Errno.ENOENT);

        mine.pinPages = 4;
        MdevDevice d = bus.create(parent.requireType("tvgpu-big"), UUID.randomUUID());
        assertThat(mine.calls).containsExactly("create " + d.name());
        VfioContainer container = vfio.openContainer();
        d.group().setContainer(qemu, container);
        container.setIommu(IommuType.TYPE1v2);
        qemu.mmap(RegionSpec.anonymous(VADDR, RAM));
        container.ioctl(qemu, MapDma.rw(VADDR, 0, RAM));
        d.group().openDevice(d.name());
        assertThat(lockedVm()).isEqualTo(4);
        assertErrno(
                () -> bus.create(parent.requireType("tvgpu-big"), UUID.randomUUID()), Errno.EUSERS);
        vfio.close();
        assertThat(lockedVm()).isZero();
    }

    @Test
    void aModuleBindingASecondParentExtends() {
        Module second =
                binder ->
                        MdevModule.parent(binder, GPU2)
                                .toInstance(
                                        new MdevParentBinding(
                                                new ScriptedVendor("other", P),
                                                List.of(new MdevTypeSpec("x", "another", 1))));
        Vfio vfio = runtime(second, new VendorWiring());
        MdevBus bus = MdevBus.of(vfio);
        assertThat(bus.parents()).extracting(MdevParent::name).containsExactly(GPU, GPU2);

        VfioContainer container = vfio.openContainer();
        ScriptedDevice a =
                plug(bus, bus.parent(GPU).orElseThrow().requireType("vgpu-small"), container);
        ScriptedDevice b =
                plug(bus, bus.parent(GPU2).orElseThrow().requireType("other-x"), container);
        a.pin(0, 2, DmaProt.RW);
        // The same page pinned by a second device is charged once.
        b.pin(P, 2, DmaProt.RW);
        assertThat(lockedVm()).isEqualTo(3);
        vfio.close();
        assertThat(lockedVm()).isZero();
    }

    @Test
    void twoModulesSideBySideBindingOneParentAreRefusedWhenTheRuntimeIsBuilt() {
        Module again =
                binder ->
                        MdevModule.parent(binder, GPU)
                                .toInstance(
                                        new MdevParentBinding(
                                                new ScriptedVendor("again", P),
                                                List.of(new MdevTypeSpec("a", "a", 1))));
        assertThatThrownBy(() -> runtime(new VendorWiring(), again))
                .isInstanceOf(CreationException.class)
                .hasMessageContaining("MdevParentBinding")
                .hasMessageContaining(GPU);
    }

    @Test
    void aBoundParentTheBusRefusesLeavesNoBus() {
        Module bad =
                binder ->
                        MdevModule.parent(binder, GPU2)
                                .toInstance(
                                        new MdevParentBinding(
                                                new ScriptedVendor("Bad-Name", P),
                                                List.of(new MdevTypeSpec("a", "a", 1))));
        Vfio vfio = runtime(new VendorWiring(), bad);
        assertErrno(() -> MdevBus.of(vfio), Errno.EINVAL);
        assertErrno(() -> MdevBus.of(vfio), Errno.EINVAL);
        assertThat(vfio.groups()).isEmpty();
    }

    @Test
    void aRuntimeWithoutMdevWiringHasNoBusAndAnEmptyModuleGivesAnEmptyBus() {
        assertThatThrownBy(() -> MdevBus.of(runtime()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("new MdevModule()");
        Vfio vfio = runtime(new MdevModule(), new MdevModule());
        assertThat(MdevBus.of(vfio).parents()).isEmpty();
        assertThatThrownBy(() -> MdevModule.parentKey(" "))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void afterCloseTheBusListsItsDevicesAndRefusesChanges() {
        TestVendor vendor = new TestVendor(P);
        Vfio vfio =
                runtime(
                        binder ->
                                MdevModule.parent(binder, GPU)
                                        .toInstance(
                                                new MdevParentBinding(
                                                        vendor,
                                                        List.of(
                                                                new MdevTypeSpec(
                                                                        "small", "s", 2)))));
        MdevBus bus = MdevBus.of(vfio);
        MdevType small = bus.parent(GPU).orElseThrow().requireType("tvgpu-small");
        MdevDevice d = bus.create(small, UUID.randomUUID());
        vfio.close();

        assertThat(MdevBus.of(vfio)).isSameAs(bus);
        assertThat(bus.devices()).containsExactly(d);
        assertThatThrownBy(() -> bus.create(small, UUID.randomUUID()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("this Vfio is closed");
        assertThatThrownBy(() -> bus.remove(d.uuid()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("this Vfio is closed");
        assertThat(vendor.calls).containsExactly("create " + d.name());
        assertThat(small.availableInstances()).isEqualTo(1);

        Vfio closed = runtime(new MdevModule());
        closed.close();
        assertThatThrownBy(() -> MdevBus.of(closed))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("this Vfio is closed");
    }
}
