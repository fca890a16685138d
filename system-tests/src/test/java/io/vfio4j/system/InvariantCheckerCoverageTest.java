package io.vfio4j.system;

import static io.vfio4j.system.Sys.MiB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.GetInfo;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.core.InvariantViolation;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.type1.Type1Provider;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The invariant checker really covers what docs/reliability.md says it does: each kind of broken
 * state is built on purpose (behind the backends' back, or by a backend whose audit lies) and the
 * checker names it, both on demand ({@code check()}) and after the next operation ({@link
 * InvariantViolation}).
 */
class InvariantCheckerCoverageTest {
    private static final long RAM = 0x10_0000_0000L;

    private SimHost host;
    private TamperingBackend tampering;
    private Vfio vfio;
    private SimProcess qemu;
    private SimAddressSpace mm;
    private VfioContainer container;

    @BeforeEach
    void setUp() {
        host = Sys.x86(2);
        tampering = new TamperingBackend();
        vfio =
                Vfio.builder()
                        .host(host)
                        .withoutPluginDirectory()
                        .addSource(tampering.source())
                        .configuration(
                                VfioConfiguration.of(
                                        Map.of(VfioConfiguration.CHECK_INVARIANTS, "true")))
                        .build();
        qemu = host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(64 * MiB).build());
        qemu.mmap(RegionSpec.anonymous(RAM, 8 * MiB));
        mm = qemu.simAddressSpace().orElseThrow();
        container = vfio.openContainer();
        vfio.group(1).setContainer(qemu, container);
    }

    private void type1() {
        container.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
    }

    @Test
    void checkerIsOnInEveryTestAndRunsAfterEveryOutermostOperation() {
        assertThat(Boolean.getBoolean(VfioConfiguration.CHECK_INVARIANTS)).isTrue();
        assertThat(vfio.invariants().isEnabled()).isTrue();
        type1();
        long before = vfio.invariants().checks();
        container.ioctl(qemu, MapDma.rw(RAM, 0, 2 * MiB));
        container.ioctl(qemu, GetInfo.full());
        assertThat(vfio.invariants().checks()).isEqualTo(before + 2);
        assertThat(mm.lockedVm()).isEqualTo(512);
        assertThat(vfio.invariants().check()).isEmpty();
    }

    @Test
    void aFramePinnedBehindTheBackendsBackIsCaught() {
        type1();
        container.ioctl(qemu, MapDma.rw(RAM, 0, 2 * MiB));
        mm.pinRun(RAM + 4 * MiB, 3, true); // nobody claims these three pins
        assertThat(vfio.invariants().check())
                .singleElement()
                .asString()
                .startsWith("frame pin counts differ from the backends' claims")
                .contains("host 1 pins, claimed 0");
        assertThatThrownBy(() -> container.ioctl(qemu, GetInfo.full()))
                .isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("after VFIO_IOMMU_GET_INFO on container 1");
    }

    @Test
    void aFrameUnpinnedBehindTheBackendsBackIsCaught() {
        type1();
        container.ioctl(qemu, MapDma.rw(RAM, 0, 2 * MiB));
        long pfn = mm.translate(RAM, 1).pfn();
        host.memory().unpin(pfn, 1, false);
        assertThat(vfio.invariants().check())
                .singleElement()
                .asString()
                .contains("host 0 pins, claimed 1");
        mm.pinRun(RAM, 1, true); // restore the pin through the address space
        assertThat(vfio.invariants().check()).isEmpty();
    }

    @Test
    void lockedVmChangedBehindTheBackendsBackIsCaught() {
        type1();
        container.ioctl(qemu, MapDma.rw(RAM, 0, 2 * MiB));
        mm.charge(7, Long.MAX_VALUE, true);
        assertThat(vfio.invariants().check())
                .singleElement()
                .asString()
                .contains("locked_vm is 519 pages but the containers account for 512");
        mm.uncharge(7);
        assertThat(vfio.invariants().check()).isEmpty();
    }

    @Test
    void aChargeOnAnAddressSpaceNoContainerUsesIsCaught() {
        SimProcess other = host.spawnProcess(ProcessSpec.defaults());
        other.simAddressSpace().orElseThrow().charge(1, Long.MAX_VALUE, true);
        assertThat(vfio.invariants().check())
                .singleElement()
                .asString()
                .contains(
                        "(pid "
                                + other.pid()
                                + "): locked_vm is 1 pages but the containers account for 0");
    }

    @Test
    void aDeadAddressSpacesFrozenCounterIsNotCompared() {
        type1();
        container.ioctl(qemu, MapDma.rw(RAM, 0, 2 * MiB));
        qemu.exit();
        // The owner's mm is dead: un-charging is skipped (kernel: ESRCH ignored), pins dropped.
        container.ioctl(qemu, UnmapDma.of(0, 2 * MiB));
        assertThat(mm.isAlive()).isFalse();
        assertThat(mm.lockedVm()).isEqualTo(512);
        assertThat(host.memory().totalPins()).isZero();
        assertThat(vfio.invariants().check()).isEmpty();
    }

    @Test
    void aBackendClaimingMoreLockedVmThanItChargedIsCaught() {
        container.setIommu("tampered", IommuType.TYPE1v2);
        container.ioctl(qemu, MapDma.rw(RAM, 0, 2 * MiB));
        tampering.tamper = TamperingBackend.Tamper.EXTRA_CHARGE;
        assertThatThrownBy(() -> container.ioctl(qemu, GetInfo.full()))
                .isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("locked_vm is 512 pages but the containers account for 513");
    }

    @Test
    void aBackendHidingAPinIsCaught() {
        container.setIommu("tampered", IommuType.TYPE1v2);
        container.ioctl(qemu, MapDma.rw(RAM, 0, 2 * MiB));
        tampering.tamper = TamperingBackend.Tamper.HIDE_PIN;
        assertThat(vfio.invariants().check())
                .singleElement()
                .asString()
                .contains("frame pin counts differ")
                .contains("host 1 pins, claimed 0");
    }

    @Test
    void dmaAvailPlusMappingsMustEqualTheLimit() {
        container.setIommu("tampered", IommuType.TYPE1v2);
        container.ioctl(qemu, MapDma.rw(RAM, 0, 2 * MiB));
        tampering.tamper = TamperingBackend.Tamper.BAD_BUDGET;
        assertThat(vfio.invariants().check())
                .singleElement()
                .asString()
                .isEqualTo("container 1: 2 live entries + 65534 available != limit 65535");
    }

    @Test
    void aViolationReportedByABackendFailsTheNextOperation() {
        container.setIommu("tampered", IommuType.TYPE1v2);
        tampering.tamper = TamperingBackend.Tamper.VIOLATION;
        assertThatThrownBy(() -> container.ioctl(qemu, MapDma.rw(RAM, 0, 2 * MiB)))
                .isInstanceOf(InvariantViolation.class)
                .hasMessageContaining(
                        "container 1: tampered: mapping 0x0 names no device for its pins");
    }

    @Test
    void claimsOfSeveralContainersAreSummedPerAddressSpace() {
        type1();
        VfioContainer second = vfio.openContainer();
        vfio.group(2).setContainer(qemu, second);
        second.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        container.ioctl(qemu, MapDma.rw(RAM, 0, 2 * MiB));
        second.ioctl(qemu, MapDma.rw(RAM, 0, 2 * MiB));
        // Two containers pin the same frames: each frame has two pins, and the mm pays twice.
        assertThat(mm.lockedVm()).isEqualTo(1024);
        assertThat(host.memory().pinCount(mm.translate(RAM, 1).pfn())).isEqualTo(2);
        assertThat(vfio.invariants().check()).isEmpty();
        mm.uncharge(512); // as if one container's charge had been lost
        assertThat(vfio.invariants().check())
                .singleElement()
                .asString()
                .contains("locked_vm is 512 pages but the containers account for 1024");
        mm.charge(512, Long.MAX_VALUE, true);
    }

    @Test
    void externalPinsAreClaimedAndAccountedWithoutADomain() {
        VfioContainer mdevOnly = vfio.openContainer();
        TestVendor vendor = new TestVendor(host.pageSize());
        VfioGroup g = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu-0", vendor);
        g.setContainer(qemu, mdevOnly);
        mdevOnly.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        g.openDevice("vgpu-0");
        mdevOnly.ioctl(qemu, MapDma.rw(RAM, 0x8000_0000L, 4 * MiB));
        vendor.pin(0x8000_0000L, 8, TestVendor.rw());
        vendor.pin(0x8000_0000L, 2, TestVendor.rw()); // references, not new pins
        assertThat(mm.lockedVm()).isEqualTo(8);
        assertThat(host.memory().totalPins()).isEqualTo(8);
        assertThat(vfio.invariants().check()).isEmpty();
        long pfn = mm.translate(RAM, 1).pfn();
        host.memory().unpin(pfn, 1, false);
        assertThat(vfio.invariants().check())
                .singleElement()
                .asString()
                .contains("host 0 pins, claimed 1");
        mm.pinRun(RAM, 1, true); // restore
        assertThat(vfio.invariants().check()).isEmpty();
        g.device("vgpu-0").close();
        assertThat(mm.lockedVm()).isZero();
    }
}
