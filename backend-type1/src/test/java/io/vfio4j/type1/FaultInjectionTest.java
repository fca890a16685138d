package io.vfio4j.type1;

import static io.vfio4j.type1.Fixture.GiB;
import static io.vfio4j.type1.Fixture.LIMIT;
import static io.vfio4j.type1.Fixture.MiB;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.host.FaultInjector.FaultSite;
import io.vfio4j.host.IommuGroupSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every failure point of map, pin and replay unwinds completely (docs/reference/type1-mdev.md §2.2
 * step 11, §3.2, §4.4).
 */
class FaultInjectionTest {

    /** 64 MiB of anonymous RAM in 64-page runs: 256 runs, each a PIN and an IOMMU_MAP hit. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 100, 256})
    void mapUnwindsOnAPinFailure(long nth) {
        Fixture f = Fixture.pt();
        long vaddr = f.ram(64 * MiB);
        f.host.faults().failNth(nth, Errno.EFAULT, FaultSite.PIN);
        Expect.refusedWithoutTrace(f, Errno.EFAULT, () -> f.mapAt(vaddr, 0, 64 * MiB));
        assertThat(f.dmaAvail()).isEqualTo(LIMIT);
        assertThat(f.mm().references()).isZero();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 100, 256})
    void mapUnwindsOnAnIommuMapFailure(long nth) {
        Fixture f = Fixture.pt();
        f.attachIommuGroup(IommuGroupSpec.builder().id(2).enforceCacheCoherency(false).build());
        long vaddr = f.ram(64 * MiB);
        f.host.faults().failNth(nth, Errno.ENOMEM, FaultSite.IOMMU_MAP);
        Expect.refusedWithoutTrace(f, Errno.ENOMEM, () -> f.mapAt(vaddr, 0, 64 * MiB));
        f.host.iommuGroups()
                .forEach(g -> assertThat(g.simDomain().orElseThrow().mappedPages()).isZero());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void mapUnwindsOnAnAllocationFailure(long nth) {
        Fixture f = Fixture.pt();
        long vaddr = f.ram(MiB);
        f.host.faults().failNth(nth, Errno.ENOMEM, FaultSite.ALLOCATION);
        if (nth == 1) {
            Expect.refusedWithoutTrace(f, Errno.ENOMEM, () -> f.mapAt(vaddr, 0, MiB));
        } else {
            f.mapAt(vaddr, 0, MiB); // only one allocation on this path
            assertThat(f.lv()).isEqualTo(256);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void pinUnwindsEveryEarlierPageOfTheCall(long nth) {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, 4 * MiB);
        d.pin(0, 2, DmaProt.RW); // pages 0 and 1 already pinned: the call takes references
        // pages 0..1 exist, 2..63 one run, 64..127 the next run, 128..199 a third run
        f.host.faults().failNth(nth, Errno.EFAULT, FaultSite.PIN);
        Expect.refusedWithoutTrace(f, Errno.EFAULT, () -> d.pin(0, 200, DmaProt.RW));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void pinUnwindsOnARecordAllocationFailure(long nth) {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, 4 * MiB);
        f.host.faults().failNth(nth, Errno.ENOMEM, FaultSite.ALLOCATION);
        Expect.refusedWithoutTrace(f, Errno.ENOMEM, () -> d.pin(0, 100, DmaProt.RW));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 5, 300})
    void replayUnwindsOnAPinFailure(long nth) {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, 64 * MiB);
        f.map(GiB, 64 * MiB);
        d.pin(0, 10, DmaProt.RW);
        TestGroup gpu = f.iommuGroup(IommuGroupSpec.of(1));
        f.host.faults().failNth(nth, Errno.EFAULT, FaultSite.PIN);
        Expect.refusedWithoutTrace(f, Errno.EFAULT, () -> f.ops.attachGroup(gpu));
        assertThat(f.lv()).isEqualTo(10);
        assertThat(gpu.iommuGroup().orElseThrow().domain()).isEmpty();
        // And the attach works once the fault is gone.
        f.ops.attachGroup(gpu);
        assertThat(f.lv()).isEqualTo(2 * 16_384);
        f.assertAuditClean();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 300})
    void replayUnwindsOnAnIommuMapFailure(long nth) {
        Fixture f = Fixture.md();
        f.mdev();
        f.map(0, 64 * MiB);
        f.map(GiB, 64 * MiB);
        TestGroup gpu = f.iommuGroup(IommuGroupSpec.of(1));
        f.host.faults().failNth(nth, Errno.ENOMEM, FaultSite.IOMMU_MAP);
        Expect.refusedWithoutTrace(f, Errno.ENOMEM, () -> f.ops.attachGroup(gpu));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void attachUnwindsOnAnAllocationFailure(long nth) {
        Fixture f = Fixture.md();
        f.map(0, 64 * MiB);
        f.mdev();
        TestGroup gpu = f.iommuGroup(IommuGroupSpec.of(1));
        f.host.faults().failNth(nth, Errno.ENOMEM, FaultSite.ALLOCATION);
        Expect.refusedWithoutTrace(f, Errno.ENOMEM, () -> f.ops.attachGroup(gpu));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 200})
    void replayIntoASecondDomainUnwindsOnAnIommuMapFailure(long nth) {
        Fixture f = Fixture.pt();
        f.map(0, 64 * MiB);
        TestGroup other =
                f.iommuGroup(IommuGroupSpec.builder().id(2).enforceCacheCoherency(false).build());
        f.host.faults().failNth(nth, Errno.ENOMEM, FaultSite.IOMMU_MAP);
        Expect.refusedWithoutTrace(f, Errno.ENOMEM, () -> f.ops.attachGroup(other));
        assertThat(f.lv()).isEqualTo(16_384);
    }
}
