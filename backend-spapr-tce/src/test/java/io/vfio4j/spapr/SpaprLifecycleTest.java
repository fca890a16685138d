package io.vfio4j.spapr;

import static io.vfio4j.spapr.SpaprSetup.GIB;
import static io.vfio4j.spapr.SpaprSetup.KIB;
import static io.vfio4j.spapr.SpaprSetup.MIB;
import static io.vfio4j.spapr.SpaprSetup.R1;
import static io.vfio4j.spapr.SpaprSetup.T0;
import static io.vfio4j.spapr.SpaprSetup.T64;
import static io.vfio4j.spapr.SpaprSetup.V;
import static io.vfio4j.spapr.SpaprSetup.V2;
import static io.vfio4j.spapr.SpaprSetup.W;
import static io.vfio4j.spapr.SpaprSetup.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprEnable;
import io.vfio4j.api.command.SpaprTceGetInfo;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.host.FaultInjector;
import io.vfio4j.host.RegionSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two processes, release, no-trace refusals and audit. */
class SpaprLifecycleTest {
    private final SpaprSetup r = new SpaprSetup();

    @Test
    void foreignProcessIsRefusedEverywhereOnceTheAddressSpaceIsCached() {
        VfioIommuDriverOps c = r.v2(r.g1);
        // before any mm-setter call, Q may still use informational ioctls
        assertThat(SpaprSetup.run(c, r.q, SpaprTceGetInfo.full()).flags()).isEqualTo(1);
        r.remove(c, 0); // P caches A
        assertErrno(Errno.EPERM, () -> SpaprSetup.run(c, r.q, SpaprTceGetInfo.full()));
        assertErrno(
                Errno.EPERM,
                () -> SpaprSetup.run(c, r.q, new SpaprEnable())); // even a v1-only command
        assertErrno(Errno.EPERM, () -> SpaprSetup.run(c, r.q, MapDma.rw(V, 0, 64 * KIB)));
        assertThat(SpaprSetup.run(c, r.q, new io.vfio4j.api.command.CheckExtension(7)))
                .isEqualTo(1);
        // attach is driven by group ioctls and is not gated by the address space
        c.attachGroup(r.g2);
    }

    @Test
    void aForkedChildOrExecedProcessIsForeign() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.remove(c, 0);
        r.p.exec();
        assertErrno(Errno.EPERM, () -> r.run(c, SpaprTceGetInfo.full()));
    }

    @Test
    void releaseAfterTheOwnerExitedStillUnchargesTheCachedAddressSpace() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, GIB);
        r.register(c, V, GIB);
        r.map(c, V, 0, MIB);
        r.create(c, 16, 64 * GIB, 1);
        AddressSpace a = r.a;
        assertThat(a.lockedVm()).isEqualTo(R1 + T0 + T64);

        r.p.exit(); // Q holds the group fd; the container lives on
        assertThat(a.isAlive()).isFalse();
        c.detachGroup(r.g1);
        c.release();

        assertThat(a.lockedVm()).isZero();
        assertThat(r.a.underflows()).isZero();
        assertThat(r.host.memory().totalPins()).isZero();
        assertThat(r.a.references()).isZero();
        assertThat(r.b.lockedVm()).isZero();
    }

    @Test
    void releaseReturnsLockedVmToItsStartAndKeepsASharedRegionForTheOtherContainer() {
        long start = r.lockedVm();
        VfioIommuDriverOps c = r.v2(r.g1);
        VfioIommuDriverOps c2 = r.v2(r.g2);
        r.ram(V, GIB);
        r.register(c, V, GIB);
        r.register(c2, V, GIB);
        r.map(c, V, 0, GIB / 4);
        r.map(c2, V, 0, MIB);
        assertThat(r.lockedVm() - start).isEqualTo(R1 + 2 * T0);

        c.detachGroup(r.g1);
        c.release();
        assertThat(r.lockedVm() - start).isEqualTo(R1 + T0);
        assertThat(r.region(V, GIB).used()).isEqualTo(1);

        c2.release(); // release detaches remaining groups itself
        assertThat(r.lockedVm()).isEqualTo(start);
        assertThat(r.host.memory().totalPins()).isZero();
    }

    @Test
    void regionOnlyMappedByAnotherContainerIsFreedWhenItsLastTceGoes() {
        VfioIommuDriverOps c = r.v2(r.g1);
        VfioIommuDriverOps c2 = r.v2(r.g2);
        r.ram(V, GIB);
        r.ram(V2, 64 * KIB);
        r.register(c, V, GIB);
        r.register(c2, V2, 64 * KIB); // enables C2
        r.map(c2, V, 0, MIB); // any container of the process maps from any region of it
        assertThat(r.lockedVm()).isEqualTo(R1 + 1 + T0);

        c.release(); // C's reference was the last, but C2's TCEs keep the region alive
        assertThat(r.region(V, GIB)).isNotNull();
        assertThat(r.lockedVm()).isEqualTo(R1 + 1 + T0);

        r.unmap(c2, 0, MIB);
        assertThat(r.region(V, GIB)).isNull();
        assertThat(r.lockedVm()).isEqualTo(1 + T0);
        assertThat(r.pins(V)).isZero();
    }

    /** One system page of preregistered memory just below {@link SpaprSetup#V}. */
    private static final long Q = V - 64 * KIB;

    /** [V, V + 1 MiB) in 64 KiB pages. */
    private static final long R_MIB = 16;

    /**
     * C registers [V, +1 MiB), C2 registers [Q, +64 KiB) and maps entries 0..15 (4 KiB each) of its
     * default window to [V, +64 KiB); C is released, so only those 16 TCEs keep the region at V
     * alive (S-2). Returns C2.
     */
    private VfioIommuDriverOps unownedRegionKeptByTces() {
        VfioIommuDriverOps c = r.v2(r.g1);
        VfioIommuDriverOps c2 = r.v2(r.g2);
        r.ram(Q, 64 * KIB);
        r.ram(V, GIB);
        r.register(c, V, MIB);
        r.register(c2, Q, 64 * KIB);
        r.map(c2, V, 0, 64 * KIB);
        c.release();
        assertThat(r.region(V, MIB).used()).isZero();
        assertThat(r.region(V, MIB).mapped()).isEqualTo(1 + 16);
        assertThat(r.lockedVm()).isEqualTo(R_MIB + 1 + T0);
        return c2;
    }

    @Test
    void replacingMapThatEmptiesAnUnownedRegionMayMapIntoItFurtherOn() {
        VfioIommuDriverOps c2 = unownedRegionKeptByTces();

        // Entries 0..15 now map Q: the last TCEs into the region at V are replaced. Entries
        // 16..31 map [V, +64 KiB) again. The kernel keeps such a region (it never frees an
        // unowned one) and maps into it; we free it only if no TCE is left once the MAP is over.
        r.map(c2, Q, 0, 128 * KIB);

        PreregRegion region = r.region(V, MIB);
        assertThat(region).as("region at V after the MAP").isNotNull();
        assertThat(region.mapped()).isEqualTo(1 + 16);
        assertThat(region.used()).isZero();
        assertThat(r.region(Q, 64 * KIB).mapped()).isEqualTo(1 + 16);
        assertThat(r.g2Pe.dmaTranslate(0x1230)).isEqualTo((r.pfn(Q) << 16) + 0x1230);
        assertThat(r.g2Pe.dmaTranslate(64 * KIB + 0x1230)).isEqualTo((r.pfn(V) << 16) + 0x1230);
        assertThat(r.g2Pe.dmaTranslate(128 * KIB)).isEqualTo(-1);
        assertThat(c2.state().mappings()).isEqualTo(32);
        assertThat(r.lockedVm()).isEqualTo(R_MIB + 1 + T0);
        assertThat(r.pins(V)).isEqualTo(1);
        assertThat(r.pins(Q)).isEqualTo(1);

        r.unmap(c2, 64 * KIB, 64 * KIB); // its last TCE goes now
        assertThat(r.region(V, MIB)).isNull();
        assertThat(r.lockedVm()).isEqualTo(1 + T0);
        assertThat(r.pins(V)).isZero();
        assertThat(r.region(Q, 64 * KIB).mapped()).isEqualTo(1 + 16);
        assertThat(r.a.underflows()).isZero();
    }

    @Test
    void replacingMapThatEmptiesAnUnownedRegionFreesItWhenTheMapEnds() {
        VfioIommuDriverOps c2 = unownedRegionKeptByTces();

        r.map(c2, Q, 0, 64 * KIB); // the region at V keeps no TCE: S-2 frees it

        assertThat(r.region(V, MIB)).isNull();
        assertThat(r.lockedVm()).isEqualTo(1 + T0);
        assertThat(r.pins(V)).isZero();
        assertThat(r.region(Q, 64 * KIB).mapped()).isEqualTo(1 + 16);
        assertThat(c2.state().mappings()).isEqualTo(16);
        // freed, so no longer there to map from
        assertErrno(Errno.EINVAL, () -> r.map(c2, V, 64 * KIB, 64 * KIB));
    }

    @Test
    void refusedMapOverTheLastTcesOfAnUnownedRegionLeavesItAndThem() {
        VfioIommuDriverOps c2 = unownedRegionKeptByTces();
        long pins = r.host.memory().totalPins();

        // Q, the whole region at V, then [V + 1 MiB, +64 KiB), which is not registered: refused
        assertErrno(Errno.EINVAL, () -> r.map(c2, Q, 0, 64 * KIB + MIB + 64 * KIB));

        assertThat(r.region(V, MIB)).isNotNull();
        assertThat(r.region(V, MIB).mapped()).isEqualTo(1 + 16);
        assertThat(r.region(Q, 64 * KIB).mapped()).isEqualTo(1);
        assertThat(r.g2Pe.dmaTranslate(0x1230)).isEqualTo((r.pfn(V) << 16) + 0x1230);
        assertThat(r.g2Pe.dmaTranslate(64 * KIB)).isEqualTo(-1);
        assertThat(c2.state().mappings()).isEqualTo(16);
        assertThat(r.lockedVm()).isEqualTo(R_MIB + 1 + T0);
        assertThat(r.host.memory().totalPins()).isEqualTo(pins);
    }

    @Test
    void refusedV1MapLeavesPinsAndOlderTcesAsTheyWere() {
        VfioIommuDriverOps c = r.v1(r.g1);
        r.run(c, new SpaprEnable());
        r.ram(V, 64 * KIB);
        r.ram(V2, 64 * KIB); // V2 + 64 KiB is not mapped
        r.map(c, V, 0, 64 * KIB);
        long locked = r.lockedVm();

        assertErrno(Errno.EFAULT, () -> r.map(c, V2, 0, 128 * KIB));

        assertThat(r.pins(V)).isEqualTo(16);
        assertThat(r.pins(V2)).isZero();
        assertThat(r.g1Pe.dmaTranslate(0)).isEqualTo(r.pfn(V) << 16);
        assertThat(c.state().mappings()).isEqualTo(16);
        assertThat(r.lockedVm()).isEqualTo(locked);
    }

    @Test
    void v1MapOfReadOnlyMemoryIsEfaultEvenForAReadOnlyMapping() {
        VfioIommuDriverOps c = r.v1(r.g1);
        r.run(c, new SpaprEnable());
        r.p.mmap(RegionSpec.anonymous(V, 64 * KIB).readOnly());
        assertErrno(Errno.EFAULT, () -> r.run(c, MapDma.of(V, 0, 64 * KIB, MapDma.READ))); // Q7
        assertThat(r.host.memory().totalPins()).isZero();
    }

    @Test
    void v1WriteOnlyMappingIsStoredBidirectional() {
        VfioIommuDriverOps c = r.v1(r.g1);
        r.run(c, new SpaprEnable());
        r.ram(V, 64 * KIB);
        r.run(c, MapDma.of(V, 0, 4 * KIB, MapDma.WRITE));
        assertThat(r.g1Pe.dmaPermissions(0)).isEqualTo(3);
    }

    @Test
    void refusedV2MapLeavesRegionCountersAndOlderTces() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, GIB);
        r.register(c, V, MIB);
        r.map(c, V, 0, 64 * KIB);
        long mapped = r.region(V, MIB).mapped();

        // the range runs out of the region: refused before any entry changes
        assertErrno(Errno.EINVAL, () -> r.map(c, V + MIB - 64 * KIB, 0, 128 * KIB));

        assertThat(r.region(V, MIB).mapped()).isEqualTo(mapped);
        assertThat(r.g1Pe.dmaTranslate(0)).isEqualTo(r.pfn(V) << 16);
    }

    @Test
    void refusedRegisterOnAnUnpinnablePageChargesAndPinsNothing() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, MIB);
        assertErrno(Errno.EFAULT, () -> r.register(c, V, 2 * MIB)); // the second MiB is not mapped
        assertThat(r.lockedVm()).isZero();
        assertThat(r.host.memory().totalPins()).isZero();

        r.host.faults().failNth(1, Errno.ENOMEM, FaultInjector.FaultSite.ALLOCATION);
        assertErrno(Errno.ENOMEM, () -> r.register(c, V, MIB));
        r.host.faults().failNth(1, Errno.ENOMEM, FaultInjector.FaultSite.PIN);
        assertErrno(Errno.EFAULT, () -> r.register(c, V, MIB)); // Q5: any pin failure is EFAULT
        r.host.faults().disarm();
        assertThat(r.lockedVm()).isZero();
        assertThat(r.host.memory().totalPins()).isZero();
        assertThat(r.region(V, 2 * MIB)).isNull();
    }

    @Test
    void registerOverlappingAnotherRegionIsEinvalAndUndone() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, GIB);
        r.register(c, V, MIB);
        assertErrno(Errno.EINVAL, () -> r.register(c, V, 2 * MIB));
        assertErrno(Errno.EBUSY, () -> r.register(c, V, MIB));
        assertThat(r.lockedVm()).isEqualTo(16);
        assertThat(r.pins(V)).isEqualTo(1);
        assertThat(r.pins(V + MIB)).isZero();
    }

    @Test
    void programmingFailureOfCreateUnchargesAndUnprograms() {
        VfioIommuDriverOps c = r.v2(r.g1, r.g2);
        r.remove(c, 0);
        // the head of the list is G2 (most recently attached); G1 fails second
        r.g1Pe.failNextSetWindow(Errno.ENOMEM);
        assertErrno(Errno.ENOMEM, () -> r.create(c, 16, 64 * GIB, 1));
        assertThat(r.lockedVm()).isZero();
        assertThat(r.g2Pe.programmedWindows()).isZero();
        assertThat(r.g1Pe.programmedWindows()).isZero();
    }

    @Test
    void groupOfAnotherPlatformTypeIsEpermAndV1HoldsOneGroup() {
        VfioIommuDriverOps v2 = r.v2(r.g1);
        assertErrno(Errno.EPERM, () -> v2.attachGroup(r.x));
        assertErrno(Errno.EBUSY, () -> v2.attachGroup(r.g1));
        VfioIommuDriverOps v1 = r.v1(r.g2);
        assertErrno(Errno.EBUSY, () -> v1.attachGroup(r.h));
    }

    @Test
    void mapAndUnmapInvalidateOncePerCall() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, GIB);
        r.register(c, V, GIB);
        long before = r.g1Pe.invalidations();
        r.map(c, V, 0, 256 * MIB);
        r.unmap(c, 0, 256 * MIB);
        assertThat(r.g1Pe.invalidations() - before).isEqualTo(2);
    }

    @Test
    void mapRunningPastTheWindowEndIsEinval() {
        VfioIommuDriverOps c = r.v1(r.g1);
        r.run(c, new SpaprEnable());
        r.ram(V, 64 * KIB);
        assertErrno(Errno.EINVAL, () -> r.map(c, V, 2 * GIB - 4 * KIB, 64 * KIB)); // Q2
        assertErrno(Errno.EINVAL, () -> r.unmap(c, 2 * GIB - 4 * KIB, 64 * KIB));
        assertThat(r.pins(V)).isZero();
        assertThat(r.lockedVm()).isEqualTo(W + T0);
    }

    @Test
    void getInfoWithShortArgszOmitsTheDdwPart() {
        VfioIommuDriverOps c = r.v2(r.g1);
        SpaprTceGetInfo.Info info = r.run(c, new SpaprTceGetInfo(16));
        assertThat(info.flags()).isEqualTo(SpaprTceGetInfo.FLAG_DDW);
        assertThat(info.pageSizes()).isZero();
        assertErrno(Errno.EINVAL, () -> r.run(c, new SpaprTceGetInfo(12)));
        VfioIommuDriverOps v1 = r.v1(r.g2);
        assertThat(r.run(v1, SpaprTceGetInfo.full()).flags()).isZero();
    }

    @Test
    void auditReportsChargesPinsAndEntriesAndASharedRegionWithOneKey() {
        VfioIommuDriverOps c = r.v2(r.g1);
        VfioIommuDriverOps c2 = r.v2(r.g2);
        r.ram(V, GIB);
        r.register(c, V, GIB);
        r.register(c2, V, GIB);
        r.map(c, V, 0, MIB);
        Recorder rec = new Recorder();
        c.audit(rec);
        c2.audit(rec);

        assertThat(rec.violations).isEmpty();
        // counted once per share key: the region once, each container's table by itself
        assertThat(rec.distinctCharge()).isEqualTo(r.lockedVm()).isEqualTo(R1 + T0);
        assertThat(rec.distinctPins()).isEqualTo(r.host.memory().totalPins());
        assertThat(rec.live).isEqualTo(MIB / (4 * KIB));
        assertThat(rec.limit).isEqualTo(2 * GIB / (4 * KIB));
    }

    @Test
    void auditOfV1CountsOnePinPerTce() {
        VfioIommuDriverOps c = r.v1(r.g1);
        r.run(c, new SpaprEnable());
        r.ram(V, 128 * KIB);
        r.map(c, V, 0, 128 * KIB);
        Recorder rec = new Recorder();
        c.audit(rec);
        assertThat(rec.distinctCharge()).isEqualTo(r.lockedVm()).isEqualTo(W + T0);
        assertThat(rec.distinctPins()).isEqualTo(r.host.memory().totalPins()).isEqualTo(32);
    }

    /** Sums audit reports, counting each non-null share key once. */
    static final class Recorder implements AuditSink {
        final List<String> violations = new ArrayList<>();
        final Map<Object, Long> sharedCharges = new IdentityHashMap<>();
        final Map<Object, Map<Long, Long>> sharedPins = new IdentityHashMap<>();
        long ownCharges;
        long ownPins;
        long live;
        long limit;

        @Override
        public void charged(AddressSpace space, Object shareKey, long pages) {
            if (shareKey == null) {
                ownCharges += pages;
            } else {
                sharedCharges.put(shareKey, pages);
            }
        }

        @Override
        public void pinned(Object shareKey, long pfn, long pages, long pins) {
            if (shareKey == null) {
                ownPins += pages * pins;
            } else {
                sharedPins.computeIfAbsent(shareKey, k -> new HashMap<>()).put(pfn, pages * pins);
            }
        }

        @Override
        public void entries(long live, long available, long limit) {
            assertThat(live + available).isEqualTo(limit);
            this.live += live;
            this.limit += limit;
        }

        @Override
        public void violation(String message) {
            violations.add(message);
        }

        long distinctCharge() {
            return ownCharges + sharedCharges.values().stream().mapToLong(Long::longValue).sum();
        }

        long distinctPins() {
            long shared =
                    sharedPins.values().stream()
                            .flatMap(m -> m.values().stream())
                            .mapToLong(Long::longValue)
                            .sum();
            return ownPins + shared;
        }
    }
}
