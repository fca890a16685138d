package io.vfio4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.GetInfo;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The container and group rules of the kernel's container.c and group.c
 * (docs/reference/type1-mdev.md §1.1).
 */
class ContainerRulesTest {
    private SimHost host;
    private FakeProvider alpha;
    private FakeProvider beta;
    private Vfio vfio;
    private SimProcess qemu;

    @BeforeEach
    void setUp() {
        host = SimHost.builder().build();
        host.addIommuGroup(IommuGroupSpec.builder().id(7).devices(List.of("0000:01:00.0")).build());
        host.addIommuGroup(
                IommuGroupSpec.builder()
                        .id(8)
                        .devices(List.of("0000:02:00.0", "0000:02:00.1"))
                        .build());
        alpha = new FakeProvider("alpha", Set.of(IommuType.TYPE1, IommuType.TYPE1v2));
        beta = new FakeProvider("beta", Set.of(IommuType.TYPE1v2, IommuType.SPAPR_TCE_v2));
        vfio = vfio(Map.of());
        qemu = host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(1L << 30).build());
    }

    private Vfio vfio(Map<String, String> config) {
        return Vfio.builder()
                .host(host)
                .withoutClassPath()
                .addSource(new FixedSource("test", alpha, beta))
                .configuration(VfioConfiguration.of(withChecks(config)))
                .build();
    }

    /** The configuration with the invariant checker on, as every test runs it. */
    static Map<String, String> withChecks(Map<String, String> config) {
        Map<String, String> all = new java.util.HashMap<>(config);
        all.put(VfioConfiguration.CHECK_INVARIANTS, "true");
        return all;
    }

    private static void assertErrno(ThrowingCallable call, Errno errno) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(errno));
    }

    @Test
    void setIommuWithoutGroupIsEinval() {
        VfioContainer c = vfio.openContainer();
        assertErrno(() -> c.setIommu(IommuType.TYPE1v2), Errno.EINVAL);
        assertThat(alpha.calls).isEmpty();
        assertThat(c.backendName()).isEmpty();
    }

    @Test
    void setIommuTwiceIsEinval() {
        VfioContainer c = vfio.openContainer();
        vfio.group(7).setContainer(qemu, c);
        c.setIommu(IommuType.TYPE1v2);
        assertErrno(() -> c.setIommu(IommuType.TYPE1v2), Errno.EINVAL);
        assertThat(alpha.calls).containsExactly("alpha.open(TYPE1v2)", "alpha.attach(7)");
    }

    @Test
    void typeNoBackendSupportsIsEnodev() {
        VfioContainer c = vfio.openContainer();
        vfio.group(7).setContainer(qemu, c);
        assertErrno(() -> c.setIommu(IommuType.SPAPR_TCE), Errno.ENODEV);
        assertErrno(() -> c.setIommu(6), Errno.ENODEV);
        assertThat(c.backendName()).isEmpty();
    }

    @Test
    void typeIsOfferedInOrderAndTheFirstThatAcceptsWins() {
        alpha.refuseOpen = Errno.ENOMEM;
        VfioContainer c = vfio.openContainer();
        vfio.group(7).setContainer(qemu, c);
        c.setIommu(IommuType.TYPE1v2);
        assertThat(c.backendName()).contains("beta");
        assertThat(c.iommuType()).contains(IommuType.TYPE1v2);
        assertThat(alpha.calls).containsExactly("alpha.open(TYPE1v2)");
        assertThat(beta.calls).containsExactly("beta.open(TYPE1v2)", "beta.attach(7)");
    }

    @Test
    void whenEveryBackendFailsTheLastErrorIsReturned() {
        alpha.refuseOpen = Errno.ENOMEM;
        beta.refuseAttachOfGroup = 7;
        VfioContainer c = vfio.openContainer();
        vfio.group(7).setContainer(qemu, c);
        assertErrno(() -> c.setIommu(IommuType.TYPE1v2), Errno.EPERM);
        assertThat(c.backendName()).isEmpty();
    }

    @Test
    void aGroupRefusedDuringSetIommuUnwindsTheGroupsAlreadyAttached() {
        alpha.refuseAttachOfGroup = 8;
        VfioContainer c = vfio.openContainer();
        vfio.group(7).setContainer(qemu, c);
        vfio.group(8).setContainer(qemu, c);
        c.setIommu(IommuType.TYPE1v2);
        assertThat(alpha.calls)
                .containsExactly(
                        "alpha.open(TYPE1v2)",
                        "alpha.attach(7)",
                        "alpha.attach(8)",
                        "alpha.detach(7)",
                        "alpha.release");
        assertThat(c.backendName()).contains("beta");
    }

    @Test
    void commandsBeforeSetIommuAreEinvalButCheckExtensionAsksEveryBackend() {
        VfioContainer c = vfio.openContainer();
        assertErrno(() -> c.ioctl(qemu, MapDma.rw(0, 0, 4096)), Errno.EINVAL);
        assertThat(c.checkExtension(qemu, IommuType.SPAPR_TCE_v2.id())).isEqualTo(1);
        assertThat(c.checkExtension(qemu, IommuType.NOIOMMU.id())).isZero();
        assertThat(c.apiVersion()).isZero();
    }

    @Test
    void unknownCommandsReachTheBackendWhichAnswersEnotty() {
        VfioContainer c = vfio.openContainer();
        vfio.group(7).setContainer(qemu, c);
        c.setIommu(IommuType.TYPE1);
        assertErrno(() -> c.ioctl(qemu, GetInfo.full()), Errno.ENOTTY);
        assertThat(c.ioctl(qemu, new CheckExtension(IommuType.TYPE1.id()))).isEqualTo(1);
    }

    @Test
    void aGroupJoiningLaterIsAttachedAtOnceAndARefusalLeavesItOutside() {
        VfioContainer c = vfio.openContainer();
        vfio.group(7).setContainer(qemu, c);
        c.setIommu(IommuType.TYPE1);
        alpha.refuseAttachOfGroup = 8;
        assertErrno(() -> vfio.group(8).setContainer(qemu, c), Errno.EPERM);
        assertThat(vfio.group(8).container()).isEmpty();
        assertThat(c.groups()).extracting(VfioGroup::id).containsExactly(7);
    }

    @Test
    void theLastGroupLeavingReleasesTheBackend() {
        VfioContainer c = vfio.openContainer();
        vfio.group(7).setContainer(qemu, c);
        vfio.group(8).setContainer(qemu, c);
        c.setIommu(IommuType.TYPE1);
        vfio.group(7).unsetContainer();
        assertThat(alpha.calls).doesNotContain("alpha.release");
        vfio.group(8).unsetContainer();
        assertThat(alpha.calls).endsWith("alpha.detach(8)", "alpha.release");
        assertThat(c.backendName()).isEmpty();
        assertErrno(() -> c.ioctl(qemu, MapDma.rw(0, 0, 4096)), Errno.EINVAL);
    }

    @Test
    void groupRules() {
        VfioContainer c = vfio.openContainer();
        VfioContainer other = vfio.openContainer();
        VfioGroup g = vfio.group(7);
        assertThat(vfio.group(7)).isSameAs(g);
        assertErrno(() -> vfio.group(99), Errno.ENOENT);
        assertErrno(g::unsetContainer, Errno.EINVAL);
        assertErrno(() -> g.openDevice("0000:01:00.0"), Errno.EINVAL);
        g.setContainer(qemu, c);
        assertErrno(() -> g.setContainer(qemu, other), Errno.EINVAL);
        assertErrno(() -> g.openDevice("0000:01:00.0"), Errno.EINVAL);
        c.setIommu(IommuType.TYPE1v2);
        assertErrno(() -> g.openDevice("0000:09:00.0"), Errno.ENODEV);
        VfioDevice d = g.openDevice("0000:01:00.0");
        assertErrno(g::unsetContainer, Errno.EBUSY);
        d.close();
        g.unsetContainer();
        assertThat(g.container()).isEmpty();
    }

    @Test
    void aGroupWithADeviceBoundToAHostDriverIsNotViable() {
        VfioGroup g = vfio.group(8);
        g.bindHostDriver("0000:02:00.1", "snd_hda_intel");
        assertThat(g.isViable()).isFalse();
        VfioContainer c = vfio.openContainer();
        assertErrno(() -> g.setContainer(qemu, c), Errno.EPERM);
        assertThat(c.groups()).isEmpty();
        g.unbindHostDriver("0000:02:00.1");
        g.setContainer(qemu, c);
        assertThat(c.groups()).containsExactly(g);
    }

    @Test
    void aNoIommuGroupNeedsCapSysRawioAndOnlyTheNoIommuType() {
        FakeProvider noiommu = new FakeProvider("noiommu", Set.of(IommuType.NOIOMMU));
        Vfio v =
                Vfio.builder()
                        .host(host)
                        .withoutClassPath()
                        .addSource(new FixedSource("test", alpha, noiommu))
                        .configuration(VfioConfiguration.of(withChecks(Map.of())))
                        .build();
        VfioGroup g =
                v.createVirtualGroup(
                        GroupKind.NO_IOMMU, "0000:05:00.0", VfioDeviceDriver.PASSTHROUGH);
        VfioContainer c = v.openContainer();
        assertErrno(() -> g.setContainer(qemu, c), Errno.EPERM);
        SimProcess root = host.spawnProcess(ProcessSpec.builder().capSysRawio(true).build());
        g.setContainer(root, c);
        assertErrno(() -> c.setIommu(IommuType.TYPE1v2), Errno.ENODEV);
        c.setIommu(IommuType.NOIOMMU);
        assertThat(c.backendName()).contains("noiommu");
        assertThat(g.id()).isGreaterThan(8);
    }

    @Test
    void setIommuByDefaultBackendUsesItsPreferredType() {
        Vfio v = vfio(Map.of("vfio4j.backend.default", "beta"));
        VfioContainer c = v.openContainer();
        v.group(7).setContainer(qemu, c);
        c.setIommu();
        assertThat(c.backendName()).contains("beta");
        assertThat(c.iommuType()).contains(IommuType.SPAPR_TCE_v2);
    }

    @Test
    void backendSettingsReachTheBackend() {
        Vfio v = vfio(Map.of("vfio4j.backend.alpha.color", "blue"));
        VfioContainer c = v.openContainer();
        v.group(7).setContainer(qemu, c);
        c.setIommu(IommuType.TYPE1);
        assertThat(alpha.lastContext.settings().get("color", "none")).isEqualTo("blue");
        assertThat(alpha.lastContext.requestedType()).isEqualTo(IommuType.TYPE1);
    }
}
