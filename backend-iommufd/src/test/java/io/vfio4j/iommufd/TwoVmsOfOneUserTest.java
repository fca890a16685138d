package io.vfio4j.iommufd;

import static io.vfio4j.iommufd.Fixture.MiB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimProcess;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docs/reference/iommufd.md §9 row 13: two VMs of one uid, 512 MiB each, RLIMIT_MEMLOCK 768 MiB
 * (196,608 pages) each. Per-process accounting (the compat default, MM mode) lets both run;
 * per-user accounting charges one shared counter: 131,072 + 131,072 = 262,144 > 196,608, so the
 * second VM's map fails with ENOMEM.
 */
class TwoVmsOfOneUserTest {
    private static final long RAM = 512 * MiB;
    private static final long LIMIT = 768 * MiB;

    private static Errno run(String accounting) {
        Fixture f = new Fixture(IommuType.TYPE1v2, LIMIT, false, Map.of());
        SimProcess vm1 = f.process(LIMIT, false, ProcessSpec.DEFAULT_UID);
        SimProcess vm2 = f.process(LIMIT, false, ProcessSpec.DEFAULT_UID);
        Map<String, String> s = Fixture.settings("accounting", accounting);
        VfioIommuDriverOps c1 = f.openContainer(s);
        VfioIommuDriverOps c2 = f.openContainer(s);
        c1.attachGroup(
                new Fixture.Group(
                        1,
                        io.vfio4j.api.GroupKind.IOMMU,
                        java.util.Optional.of(f.host.addIommuGroup(IommuGroupSpec.of(1)))));
        c2.attachGroup(
                new Fixture.Group(
                        2,
                        io.vfio4j.api.GroupKind.IOMMU,
                        java.util.Optional.of(f.host.addIommuGroup(IommuGroupSpec.of(2)))));
        vm1.mmap(RegionSpec.anonymous(0x7f00_0000_0000L, RAM));
        vm2.mmap(RegionSpec.anonymous(0x7f00_0000_0000L, RAM));
        c1.execute(vm1, MapDma.rw(0x7f00_0000_0000L, 0, RAM));
        VfioException e =
                catchThrowableOfType(
                        VfioException.class,
                        () -> c2.execute(vm2, MapDma.rw(0x7f00_0000_0000L, 0, RAM)));
        long ulv = f.host.user(ProcessSpec.DEFAULT_UID).lockedVm();
        if (accounting.equals("user")) {
            assertThat(ulv).isEqualTo(131_072);
            assertThat(vm2.simAddressSpace().orElseThrow().pinnedVm()).isZero();
        } else {
            assertThat(ulv).isZero();
            assertThat(vm2.simAddressSpace().orElseThrow().lockedVm()).isEqualTo(131_072);
        }
        assertThat(vm1.simAddressSpace().orElseThrow().pinnedVm()).isEqualTo(131_072);
        return e == null ? null : e.errno();
    }

    @Test
    void perProcessAccountingLetsBothRun() {
        assertThat(run("mm")).isNull();
    }

    @Test
    void perUserAccountingRefusesTheSecondVm() {
        assertThat(run("user")).isEqualTo(Errno.ENOMEM);
    }
}
