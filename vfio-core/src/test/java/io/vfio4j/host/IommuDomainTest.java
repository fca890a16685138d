package io.vfio4j.host;

import static io.vfio4j.host.HostAssertions.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.ReservedRegion;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IommuDomainTest {
    private final SimHost host = SimHost.builder().build();
    private final SimIommuGroup group = host.addIommuGroup(IommuGroupSpec.of(5));
    private final SimIommuDomain domain = group.allocateSimDomain();

    @Test
    void groupDefaultsDescribeAnX86IntelGroup() {
        assertThat(group.id()).isEqualTo(5);
        assertThat(group.devices()).containsExactly("0000:05:00.0");
        assertThat(group.reservedRegions())
                .containsExactly(
                        new ReservedRegion(
                                new IovaRange(0xFEE00000L, 0xFEEFFFFFL), ReservedRegion.Type.MSI));
        assertThat(group.interruptRemapping()).isTrue();
        assertThat(group.tceTableGroup()).isEmpty();
        assertThat(domain.pageSizeBitmap()).isEqualTo(0x40201000L);
        assertThat(domain.aperture()).isEqualTo(new IovaRange(0, (1L << 48) - 1));
        assertThat(domain.driver()).isEqualTo("intel-iommu");
        assertThat(domain.enforceCacheCoherency()).isTrue();
    }

    @Test
    void attachIsExclusiveAndReflectedByTheGroup() {
        domain.attach(group);

        assertThat(group.domain()).containsSame(domain);
        assertThat(domain.groups()).containsExactly(group);
        assertErrno(Errno.EBUSY, () -> domain.attach(group));
        SimIommuDomain other = group.allocateSimDomain();
        assertErrno(Errno.EBUSY, () -> other.attach(group));

        domain.detach(group);

        assertThat(group.domain()).isEmpty();
        assertThat(domain.groups()).isEmpty();
        other.attach(group);
        assertThat(group.simDomain()).containsSame(other);
    }

    @Test
    void attachRefusesAnotherDriverOrMissingCoherency() {
        SimIommuGroup amd =
                host.addIommuGroup(IommuGroupSpec.builder().id(6).driver("amd-iommu").build());
        SimIommuGroup noSnoop =
                host.addIommuGroup(
                        IommuGroupSpec.builder().id(7).enforceCacheCoherency(false).build());

        assertErrno(Errno.EINVAL, () -> domain.attach(amd));
        assertErrno(Errno.EINVAL, () -> domain.attach(noSnoop));
        assertThat(amd.domain()).isEmpty();
        // A non-enforcing domain accepts a group that could enforce.
        noSnoop.allocateDomain().attach(group);
        assertThat(group.domain()).isPresent();
    }

    @Test
    void mapTranslateAndProtection() {
        domain.map(0x100000, 0x1000, 16, DmaProt.READ);

        assertThat(domain.translate(0x101234)).isEqualTo(0x1001234L);
        assertThat(domain.translate(0x10ffff)).isEqualTo(0x100ffffL);
        assertThat(domain.translate(0x110000)).isEqualTo(-1);
        assertThat(domain.translate(0xfffff)).isEqualTo(-1);
        assertThat(domain.protection(0x100000)).isEqualTo(DmaProt.READ);
        assertThat(domain.protection(0x110000)).isZero();
        assertThat(domain.mappedPages()).isEqualTo(16);
    }

    @Test
    void anyOverlapIsEexistAndMapsNothing() {
        domain.map(0x100000, 0x1000, 16, DmaProt.RW);

        assertErrno(Errno.EEXIST, () -> domain.map(0x10f000, 0x5000, 2, DmaProt.RW));
        assertErrno(Errno.EEXIST, () -> domain.map(0xff000, 0x5000, 2, DmaProt.RW));
        assertErrno(Errno.EEXIST, () -> domain.map(0x0, 0x5000, 0x1000, DmaProt.RW));
        assertThat(domain.mappedPages()).isEqualTo(16);
        assertThat(domain.translate(0xff000)).isEqualTo(-1);
        domain.map(0x110000, 0x5000, 1, DmaProt.RW);
        assertThat(domain.mappedPages()).isEqualTo(17);
    }

    @Test
    void unmapSplitsMappingsAndCountsOnlyMappedPages() {
        domain.map(0x100000, 0x1000, 16, DmaProt.RW);
        domain.map(0x200000, 0x3000, 4, DmaProt.READ);

        assertThat(domain.unmap(0x104000, 4)).isEqualTo(4);
        assertThat(domain.translate(0x104000)).isEqualTo(-1);
        assertThat(domain.translate(0x103fff)).isEqualTo(0x1003fffL);
        assertThat(domain.translate(0x108000)).isEqualTo(0x1008000L);
        assertThat(domain.mappingCount()).isEqualTo(3);
        assertThat(domain.unmap(0x10c000, 0x200)).isEqualTo(8);
        assertThat(domain.unmap(0x300000, 10)).isZero();
        assertThat(domain.mappedPages()).isEqualTo(8);
        assertThat(domain.mappings())
                .containsExactly(
                        new IommuMapping(0x100000, 0x1000, 4, DmaProt.RW),
                        new IommuMapping(0x108000, 0x1008, 4, DmaProt.RW));
    }

    @Test
    void mappingsAreVisitedInUnsignedIovaOrder() {
        SimIommuGroup wide =
                host.addIommuGroup(
                        IommuGroupSpec.builder().id(9).aperture(new IovaRange(0, -1L)).build());
        SimIommuDomain d = wide.allocateSimDomain();
        d.map(0x8000_0000_0000_0000L, 0x10, 1, DmaProt.RW);
        d.map(0x1000, 0x20, 2, DmaProt.READ);
        d.map(-4096L, 0x30, 1, DmaProt.WRITE);

        List<Long> order = new ArrayList<>();
        d.forEachMapping((iova, pfn, pages, prot) -> order.add(iova));

        assertThat(order).containsExactly(0x1000L, 0x8000_0000_0000_0000L, -4096L);
        assertThat(d.translate(-1L)).isEqualTo((0x30L << 12) | 0xfff);
        assertErrno(Errno.EINVAL, () -> d.map(-4096L, 0x40, 2, DmaProt.RW));
    }

    @Test
    void badRangesAreRefused() {
        assertErrno(Errno.EINVAL, () -> domain.map(0x100800, 0x1000, 1, DmaProt.RW));
        assertErrno(Errno.EINVAL, () -> domain.map(0x100000, 0x1000, 0, DmaProt.RW));
        assertErrno(Errno.EINVAL, () -> domain.map(0x100000, 0x1000, 1, 0));
        assertErrno(Errno.EFAULT, () -> domain.map(1L << 48, 0x1000, 1, DmaProt.RW));
        assertErrno(Errno.EFAULT, () -> domain.map((1L << 48) - 4096, 0x1000, 2, DmaProt.RW));
        assertThat(domain.mappedPages()).isZero();
    }

    @Test
    void aDomainWithOnlyLargePagesRefusesSmallAlignment() {
        SimIommuGroup big =
                host.addIommuGroup(IommuGroupSpec.builder().id(8).pageSizeBitmap(1L << 21).build());
        SimIommuDomain d = big.allocateSimDomain();

        assertErrno(Errno.EINVAL, () -> d.map(0x200000, 0x100, 512, DmaProt.RW));
        assertErrno(Errno.EINVAL, () -> d.map(0x200000, 0x200, 1, DmaProt.RW));
        d.map(0x200000, 0x200, 512, DmaProt.RW);
        assertThat(d.mappedPages()).isEqualTo(512);
    }

    @Test
    void freeRequiresNoGroupsAndEndsTheDomain() {
        domain.attach(group);
        domain.map(0x100000, 0x1000, 1, DmaProt.RW);

        assertThatThrownBy(domain::free).isInstanceOf(IllegalStateException.class);
        domain.detach(group);
        domain.free();

        assertThat(domain.isFreed()).isTrue();
        assertThat(domain.mappedPages()).isZero();
        assertThatThrownBy(() -> domain.attach(group)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> domain.map(0, 1, 1, DmaProt.RW))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> domain.detach(group)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void injectedMapFailureUsesTheInjectedErrnoAndMapsNothing() {
        host.faults().startCounting();
        host.faults().failNth(2, Errno.ENOSPC, FaultInjector.FaultSite.IOMMU_MAP);

        domain.map(0x100000, 0x1000, 1, DmaProt.RW);
        assertErrno(Errno.ENOSPC, () -> domain.map(0x200000, 0x2000, 1, DmaProt.RW));

        assertThat(domain.translate(0x200000)).isEqualTo(-1);
        assertThat(domain.mappedPages()).isEqualTo(1);
        domain.map(0x200000, 0x2000, 1, DmaProt.RW);
        assertThat(host.faults().hits(FaultInjector.FaultSite.IOMMU_MAP)).isEqualTo(3);
    }

    @Test
    void domainAllocationCanFailWithEnomem() {
        host.faults().failNth(1, Errno.ENOMEM, FaultInjector.FaultSite.ALLOCATION);

        assertErrno(Errno.ENOMEM, group::allocateDomain);
        assertThat(group.allocateDomain()).isNotNull();
    }

    @Test
    void randomMapsAndUnmapsTranslateLikeAPerPageModel() {
        int pages = 256;
        long base = 0x100000;
        long[] model = new long[pages]; // pfn + 1 per IOVA page, 0 if unmapped
        java.util.Random rnd = new java.util.Random(3);
        long nextPfn = 0x1000;
        for (int step = 0; step < 5000; step++) {
            int first = rnd.nextInt(pages);
            int n = 1 + rnd.nextInt(Math.min(24, pages - first));
            long iova = base + ((long) first << 12);
            if (rnd.nextBoolean()) {
                boolean free = true;
                for (int p = first; p < first + n; p++) {
                    free &= model[p] == 0;
                }
                if (free) {
                    domain.map(iova, nextPfn, n, DmaProt.RW);
                    for (int p = 0; p < n; p++) {
                        model[first + p] = nextPfn + p + 1;
                    }
                    nextPfn += n + 1;
                } else {
                    assertErrno(Errno.EEXIST, () -> domain.map(iova, 0x9999, n, DmaProt.RW));
                }
            } else {
                long expected = 0;
                for (int p = first; p < first + n; p++) {
                    expected += model[p] != 0 ? 1 : 0;
                    model[p] = 0;
                }
                assertThat(domain.unmap(iova, n)).isEqualTo(expected);
            }
        }
        long mapped = 0;
        for (int p = 0; p < pages; p++) {
            long want = model[p] == 0 ? -1 : (model[p] - 1) << 12;
            assertThat(domain.translate(base + ((long) p << 12))).as("page %d", p).isEqualTo(want);
            mapped += model[p] != 0 ? 1 : 0;
        }
        assertThat(domain.mappedPages()).isEqualTo(mapped);
    }
}
