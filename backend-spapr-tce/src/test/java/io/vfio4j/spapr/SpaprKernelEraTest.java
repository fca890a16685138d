package io.vfio4j.spapr;

import static io.vfio4j.spapr.SpaprSetup.GIB;
import static io.vfio4j.spapr.SpaprSetup.KIB;
import static io.vfio4j.spapr.SpaprSetup.MIB;
import static io.vfio4j.spapr.SpaprSetup.R1;
import static io.vfio4j.spapr.SpaprSetup.T0;
import static io.vfio4j.spapr.SpaprSetup.V;
import static io.vfio4j.spapr.SpaprSetup.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.SpaprUnregisterMemory;
import org.junit.jupiter.api.Test;

/**
 * The answers of the SPAPR backend per kernel era (docs/scenarios.md, kernel eras;
 * docs/reference/spapr-tce.md §2.7, §2.8, §7 Q4/Q5): {@code kernel: 5.0} is the ≤5.0 kernel
 * exactly; from 5.1 the same UNREGISTER and REGISTER answers are deviations S-Q4/S-Q5, and REGISTER
 * charges and pins before it looks for an overlap.
 */
class SpaprKernelEraTest {
    private static final String[] ERAS = {"5.0", "6.16"};

    private static SpaprSetup at(String kernel) {
        SpaprSetup r = new SpaprSetup();
        r.kernel = KernelVersion.parse(kernel);
        return r;
    }

    @Test
    void unregisterOfAMappedRegionIsEbusyInEveryEra() {
        for (String kernel : ERAS) {
            SpaprSetup r = at(kernel);
            VfioIommuDriverOps c = r.v2(r.g1);
            r.ram(V, GIB);
            r.register(c, V, GIB);
            r.map(c, V, 0, 64 * KIB);

            assertThatThrownBy(() -> r.run(c, SpaprUnregisterMemory.of(V, GIB)))
                    .hasMessageEndingWith(
                            kernel.equals("5.0")
                                    ? "(as kernel 5.0 answers)"
                                    : "(deviation S-Q4; kernel 6.16 returns 0 and orphans the region)");
            assertErrno(Errno.EBUSY, () -> r.run(c, SpaprUnregisterMemory.of(V, GIB)));
            assertThat(r.region(V, GIB).used()).isEqualTo(1);
            assertThat(r.lockedVm()).isEqualTo(R1 + T0);
        }
    }

    @Test
    void registerOfAnUnpinnablePageIsEfaultInEveryEra() {
        for (String kernel : ERAS) {
            SpaprSetup r = at(kernel);
            VfioIommuDriverOps c = r.v2(r.g1);
            r.ram(V, MIB);

            assertThatThrownBy(() -> r.register(c, V, 2 * MIB))
                    .hasMessageContaining(
                            kernel.equals("5.0")
                                    ? "(as kernel 5.0 answers)"
                                    : "(deviation S-Q5; kernel 6.16 may return the count pinned so far)");
            assertErrno(Errno.EFAULT, () -> r.register(c, V, 2 * MIB));
            assertThat(r.lockedVm()).isZero();
            assertThat(r.host.memory().totalPins()).isZero();
        }
    }

    @Test
    void overlapOverTheLimitIsEinvalOn50AndEnomemFrom51() {
        for (String kernel : ERAS) {
            SpaprSetup r = at(kernel);
            VfioIommuDriverOps c = r.v2(r.g1);
            r.ram(V, GIB);
            r.register(c, V, MIB); // 16 pages of 64 KiB
            r.limit(20);

            assertErrno(
                    kernel.equals("5.0") ? Errno.EINVAL : Errno.ENOMEM,
                    () -> r.register(c, V, 2 * MIB));
            assertThat(r.lockedVm()).isEqualTo(16);
            assertThat(r.pins(V)).isEqualTo(1);
            assertThat(r.pins(V + MIB)).isZero();
        }
    }

    @Test
    void overlapWithAnUnpinnablePageIsEinvalOn50AndEfaultFrom51() {
        for (String kernel : ERAS) {
            SpaprSetup r = at(kernel);
            VfioIommuDriverOps c = r.v2(r.g1);
            r.ram(V, MIB);
            r.register(c, V, MIB);

            // The second MiB is not mapped: 5.0 refuses the overlap before pinning anything.
            assertErrno(
                    kernel.equals("5.0") ? Errno.EINVAL : Errno.EFAULT,
                    () -> r.register(c, V, 2 * MIB));
            assertThat(r.lockedVm()).isEqualTo(16);
            assertThat(r.pins(V)).isEqualTo(1);
        }
    }
}
