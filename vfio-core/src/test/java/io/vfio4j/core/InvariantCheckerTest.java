package io.vfio4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InvariantCheckerTest {
    private SimHost host;
    private FakeProvider backend;
    private Vfio vfio;
    private SimProcess qemu;
    private VfioContainer container;

    @BeforeEach
    void setUp() {
        host = SimHost.builder().build();
        host.addIommuGroup(IommuGroupSpec.builder().id(1).devices(List.of("0000:01:00.0")).build());
        backend = new FakeProvider("fake", Set.of(IommuType.TYPE1v2));
        vfio =
                Vfio.builder()
                        .host(host)
                        .withoutClassPath()
                        .addSource(new FixedSource("test", backend))
                        .configuration(
                                VfioConfiguration.of(Map.of("vfio4j.check-invariants", "true")))
                        .build();
        qemu = host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(1L << 30).build());
        container = vfio.openContainer();
        vfio.group(1).setContainer(qemu, container);
        container.setIommu(IommuType.TYPE1v2);
    }

    @Test
    void anHonestBackendPassesAfterEveryOperation() {
        long before = vfio.invariants().checks();
        container.ioctl(qemu, MapDma.rw(0, 0, 1 << 20));
        assertThat(qemu.addressSpace().orElseThrow().lockedVm()).isEqualTo(256);
        assertThat(vfio.invariants().checks()).isEqualTo(before + 1);
        assertThat(vfio.invariants().check()).isEmpty();
    }

    @Test
    void aBackendWhoseClaimsDifferFromTheHostIsCaught() {
        backend.lieInAudit = true;
        assertThatThrownBy(() -> container.ioctl(qemu, MapDma.rw(0, 0, 1 << 20)))
                .isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("after VFIO_IOMMU_MAP_DMA on container 1")
                .hasMessageContaining("locked_vm is 256 pages but the containers account for 257");
    }

    @Test
    void pinsNobodyClaimsAreCaught() {
        vfio.invariants().setEnabled(false);
        qemu.mmap(io.vfio4j.host.RegionSpec.anonymous(0x10000000L, 1 << 20));
        qemu.addressSpace().orElseThrow().pinRun(0x10000000L, 4, true);
        assertThat(vfio.invariants().check())
                .singleElement()
                .asString()
                .startsWith("frame pin counts differ from the backends' claims: from pfn");
    }

    @Test
    void releasingTheBackendReturnsTheChargeAndTheCheckerAgrees() {
        container.ioctl(qemu, MapDma.rw(0, 0, 1 << 20));
        vfio.group(1).unsetContainer();
        assertThat(qemu.addressSpace().orElseThrow().lockedVm()).isZero();
        assertThat(vfio.invariants().check()).isEmpty();
    }

    @Test
    void pinnedVmAndUserLockedVmNobodyClaimsAreCaught() {
        vfio.invariants().setEnabled(false);
        qemu.addressSpace().orElseThrow().chargePinned(5, Long.MAX_VALUE);
        host.user(ProcessSpec.DEFAULT_UID).charge(3, Long.MAX_VALUE);
        int pid = qemu.pid();
        long space = qemu.addressSpace().orElseThrow().id();
        assertThat(vfio.invariants().check())
                .containsExactly(
                        "address space "
                                + space
                                + " (pid "
                                + pid
                                + "): pinned_vm is 5 pages but the containers account for 0",
                        "user 1000: locked_vm is 3 pages but the containers account for 0");
        qemu.addressSpace().orElseThrow().unchargePinned(5);
        host.user(ProcessSpec.DEFAULT_UID).uncharge(3);
        assertThat(vfio.invariants().check()).isEmpty();
    }
}
