package com.example.noiommu;

import static io.vfio4j.tck.TckAssertions.assertNothingHeld;
import static io.vfio4j.tck.TckAssertions.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.SimProcess;
import io.vfio4j.tck.BackendCapability;
import io.vfio4j.tck.TckBackend;
import io.vfio4j.tck.TckSystem;
import org.junit.jupiter.api.Test;

/** What the kit cannot know about this backend: raw-I/O, taint, and the bundled Guava. */
class NoIommuBehaviourTest {
    private static final TckBackend NOIOMMU =
            TckBackend.builder(new NoIommuProvider(), IommuType.NOIOMMU)
                    .supports(BackendCapability.GROUP_NO_IOMMU, BackendCapability.MULTI_GROUP)
                    .build();

    @Test
    void aCallerWithoutRawIoCannotUseANoIommuGroup() {
        try (TckSystem system = TckSystem.start(NOIOMMU)) {
            SimProcess plain = system.host().spawnProcess(ProcessSpec.defaults());
            VfioContainer set = system.container(GroupKind.NO_IOMMU);
            VfioGroup g = system.group(GroupKind.NO_IOMMU, 1);
            assertRefused(
                    system,
                    set,
                    Errno.EPERM,
                    () -> system.group(GroupKind.NO_IOMMU, 2).setContainer(plain, set));
            assertThat(g.container()).contains(set);
            assertThat(set.groups()).containsExactly(g);
        }
    }

    @Test
    void theFirstGroupTaintsTheHostOnceAndNothingIsEverMapped() {
        try (TckSystem system = TckSystem.start(NOIOMMU)) {
            VfioContainer c = system.container(GroupKind.NO_IOMMU);
            assertThat(system.host().taints())
                    .singleElement()
                    .asString()
                    .contains("vfio-noiommu")
                    .contains("without IOMMU protection");
            system.group(GroupKind.NO_IOMMU, 2).setContainer(system.vmm(), c);
            assertThat(system.host().taints()).as("one taint per container").hasSize(1);
            assertThat(c.ioctl(system.vmm(), new CheckExtension(IommuType.NOIOMMU.id())))
                    .isEqualTo(1);
            assertThat(c.ioctl(system.vmm(), new CheckExtension(IommuType.TYPE1v2.id()))).isZero();
            assertRefused(
                    system,
                    c,
                    Errno.ENOTTY,
                    () -> c.ioctl(system.vmm(), MapDma.rw(TckSystem.RAM_VADDR, 0, 4096)));
            assertThat(c.state().orElseThrow().details()).containsEntry("groups", 2L);
            system.group(GroupKind.NO_IOMMU, 1).unsetContainer();
            system.group(GroupKind.NO_IOMMU, 2).unsetContainer();
            assertNothingHeld(system);
        }
    }

    @Test
    void aNoIommuContainerTakesOnlyTheNoIommuType() {
        try (TckSystem system = TckSystem.start(NOIOMMU)) {
            VfioContainer c = system.vfio().openContainer();
            system.group(GroupKind.NO_IOMMU, 1).setContainer(system.vmm(), c);
            assertRefused(system, c, Errno.ENODEV, () -> c.setIommu(IommuType.TYPE1v2));
            c.setIommu(IommuType.NOIOMMU);
            assertThat(c.backendName()).contains(NoIommuProvider.NAME);
        }
    }

    @Test
    void onTheTestClassPathThePluginSeesItsOwnGuava() {
        assertThat(NoIommuProvider.guavaVersion()).isEqualTo("32.1.3-jre");
    }
}
