package io.vfio4j.type1;

import static io.vfio4j.type1.Fixture.GiB;
import static io.vfio4j.type1.Fixture.LIMIT;
import static io.vfio4j.type1.Fixture.MiB;
import static io.vfio4j.type1.Fixture.P;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.host.IommuGroupSpec;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The worked examples of docs/reference/type1-mdev.md §4.6 with the real fixture: A = 3 GiB RAM at
 * 0, B = 1 GiB RAM at 4 GiB, C = 256 MiB PFNMAP BAR at 8 GiB; RLIMIT 4 GiB + 64 MiB; W = 3,000 vGPU
 * pages in six calls (A: 4 x 512 from 0; B: 512 + 440 from 4 GiB).
 */
class WorkedExamplesTest {
    static final long A = 0;
    static final long B = 4 * GiB;
    static final long C = 8 * GiB;
    static final long R = 1_048_576;
    static final long RLIMIT = 4 * GiB + 64 * MiB;

    /** The process and its three memory areas; maps nothing yet. */
    static final class Vm {
        final Fixture f;
        final long vaA;
        final long vaB;
        final long vaC;

        Vm(long memlock) {
            f = Fixture.builder().memlock(memlock).anonymousRunPages(512).build();
            vaA = f.ram(3 * GiB);
            vaB = f.ram(GiB);
            vaC = f.bar(256 * MiB);
        }

        Vm() {
            this(RLIMIT);
        }

        void mapA() {
            f.mapAt(vaA, A, 3 * GiB);
        }

        void mapB() {
            f.mapAt(vaB, B, GiB);
        }

        void mapC() {
            f.mapAt(vaC, C, 256 * MiB);
        }

        void mapAll() {
            mapA();
            mapB();
            mapC();
        }

        void unmapAll() {
            f.unmap(A, 3 * GiB);
            f.unmap(B, GiB);
            f.unmap(C, 256 * MiB);
        }

        /** The six calls of W. */
        static void pinW(VendorDevice d) {
            for (int i = 0; i < 4; i++) {
                d.pin(A + i * 512 * P, 512, DmaProt.RW);
            }
            d.pin(B, 512, DmaProt.RW);
            d.pin(B + 512 * P, 440, DmaProt.RW);
        }
    }

    @Nested
    class PassthroughOnly {
        @Test
        void example1_mapsChargeRamOnlyAndUnmapsReturnIt() {
            Vm vm = new Vm();
            vm.f.attachIommuGroup(1);
            assertThat(vm.f.lv()).isZero();
            vm.mapA();
            assertThat(vm.f.lv()).isEqualTo(786_432);
            vm.mapB();
            assertThat(vm.f.lv()).isEqualTo(R);
            vm.mapC();
            assertThat(vm.f.lv()).isEqualTo(R);
            assertThat(vm.f.dmaAvail()).isEqualTo(65_532);
            vm.f.assertAuditClean();
            vm.unmapAll();
            assertThat(vm.f.lv()).isZero();
            assertThat(vm.f.dmaAvail()).isEqualTo(LIMIT);
            assertThat(vm.f.host.memory().totalPins()).isZero();
        }

        @Test
        void example1_memlock3GiB_secondMapIsEnomem() {
            Vm vm = new Vm(3 * GiB);
            vm.f.attachIommuGroup(1);
            vm.mapA();
            assertThat(vm.f.lv()).isEqualTo(786_432);
            Expect.refusedWithoutTrace(vm.f, Errno.ENOMEM, vm::mapB);
            assertThat(vm.f.lv()).isEqualTo(786_432);
            assertThat(vm.f.mappings()).isEqualTo(1);
            assertThat(vm.f.dmaAvail()).isEqualTo(65_534);
        }
    }

    @Nested
    class VgpuOnly {
        @Test
        void example2_distinctPinnedPagesAreCounted() {
            Vm vm = new Vm();
            VendorDevice vgpu = vm.f.mdev();
            vm.mapAll();
            assertThat(vm.f.lv()).isZero();
            Vm.pinW(vgpu);
            assertThat(vm.f.lv()).isEqualTo(3_000);
            vgpu.pin(A, 10, DmaProt.RW);
            assertThat(vm.f.lv()).isEqualTo(3_000);
            assertThat(vm.f.ops.state().pinReferences()).isEqualTo(3_010);
            vgpu.unpin(A, 10);
            assertThat(vm.f.lv()).isEqualTo(3_000);
            vm.f.assertAuditClean();
            vgpu.unpinAll();
            assertThat(vm.f.lv()).isZero();
            assertThat(vm.f.host.memory().totalPins()).isZero();
            Expect.refusedWithoutTrace(vm.f, Errno.EINVAL, () -> vgpu.pin(C, 1, DmaProt.READ));
        }

        @Test
        void example2_memlock2500Pages_callCrossingTheLimitReleasesItsPages() {
            Vm vm = new Vm(2_500 * P);
            VendorDevice vgpu = vm.f.mdev();
            vm.mapAll();
            for (int i = 0; i < 4; i++) {
                vgpu.pin(A + i * 512 * P, 512, DmaProt.RW);
            }
            assertThat(vm.f.lv()).isEqualTo(2_048);
            Expect.refusedWithoutTrace(vm.f, Errno.ENOMEM, () -> vgpu.pin(B, 512, DmaProt.RW));
            assertThat(vm.f.lv()).isEqualTo(2_048);
        }
    }

    @Nested
    class PassthroughAndVgpu {
        @Test
        void example3a_bothAttachedBeforeMap() {
            Vm vm = new Vm();
            vm.f.attachIommuGroup(1);
            VendorDevice vgpu = vm.f.mdev();
            vm.mapAll();
            assertThat(vm.f.lv()).isEqualTo(R);
            Vm.pinW(vgpu);
            assertThat(vm.f.lv()).isEqualTo(R);
            vgpu.unpinAll();
            assertThat(vm.f.lv()).isEqualTo(R);
            vm.unmapAll();
            assertThat(vm.f.lv()).isZero();
            assertThat(vgpu.notifications).isEmpty();
        }

        @Test
        void example3b_vgpuFirstThenReplay() {
            Vm vm = new Vm();
            VendorDevice vgpu = vm.f.mdev();
            vm.mapAll();
            assertThat(vm.f.lv()).isZero();
            Vm.pinW(vgpu);
            assertThat(vm.f.lv()).isEqualTo(3_000);
            vm.f.attachIommuGroup(1);
            assertThat(vm.f.lv()).isEqualTo(3_000 + (R - 3_000));
            vm.f.assertAuditClean();
            vm.unmapAll();
            assertThat(vm.f.lv()).isZero();
            assertThat(vm.f.host.memory().totalPins()).isZero();
        }
    }

    @Nested
    class HotplugVgpu {
        @Test
        void example4_plugAndUnplugTheVgpuChangesNothing() {
            Vm vm = new Vm();
            vm.f.attachIommuGroup(1);
            vm.mapAll();
            assertThat(vm.f.lv()).isEqualTo(R);
            VendorDevice vgpu = vm.f.mdev();
            assertThat(vm.f.lv()).isEqualTo(R);
            Vm.pinW(vgpu);
            vgpu.unpin(A, 100);
            assertThat(vm.f.lv()).isEqualTo(R);
            vgpu.unpinAll();
            vm.f.ops.unregisterDevice(vgpu);
            vm.f.ops.detachGroup(vgpu.group());
            assertThat(vm.f.lv()).isEqualTo(R);
            assertThat(vm.f.events.leaks).isEmpty();
        }

        /**
         * Deviation (docs/deviations.md): the 5 leaked pins are released at unplug, not left to
         * BUG.
         */
        @Test
        void example4_vendorLeavesFivePins_unplugReleasesAndReportsThem() {
            Vm vm = new Vm();
            vm.f.attachIommuGroup(1);
            vm.mapAll();
            VendorDevice vgpu = vm.f.mdev();
            vgpu.pin(A, 5, DmaProt.RW);
            long pinsBefore = vm.f.host.memory().totalPins();
            vm.f.ops.unregisterDevice(vgpu);
            vm.f.ops.detachGroup(vgpu.group());
            assertThat(vm.f.lv()).isEqualTo(R);
            assertThat(vm.f.host.memory().totalPins()).isEqualTo(pinsBefore - 5);
            assertThat(vm.f.events.leaks)
                    .containsExactly(
                            new VendorLeak(
                                    "type1",
                                    vgpu.name(),
                                    java.util.List.of(0L, P, 2 * P, 3 * P, 4 * P),
                                    5));
            assertThat(vm.f.unmap(A, 3 * GiB).unmappedBytes()).isEqualTo(3 * GiB);
            assertThat(vm.f.lv()).isEqualTo(R - 786_432);
        }
    }

    @Nested
    class HotplugPassthrough {
        @Test
        void example5_plugThenUnplugTheGpuWhileTheVgpuPins() {
            Vm vm = new Vm();
            VendorDevice vgpu = vm.f.mdev();
            vm.mapAll();
            Vm.pinW(vgpu);
            assertThat(vm.f.lv()).isEqualTo(3_000);
            TestGroup gpu = vm.f.attachIommuGroup(1);
            assertThat(vm.f.lv()).isEqualTo(R);
            vgpu.pin(B + 1_000 * P, 200, DmaProt.RW);
            vgpu.unpin(A, 100);
            assertThat(vm.f.lv()).isEqualTo(R);
            assertThat(vm.f.ops.state().pinnedPages()).isEqualTo(3_100);
            vm.f.ops.detachGroup(gpu);
            assertThat(vm.f.lv()).isEqualTo(3_100);
            vm.f.assertAuditClean();
            vgpu.unpinAll();
            assertThat(vm.f.lv()).isZero();
            vm.f.ops.unregisterDevice(vgpu);
            vm.f.ops.detachGroup(vgpu.group());
            assertThat(vm.f.mappings()).isZero();
            assertThat(vm.f.lv()).isZero();
            assertThat(vm.f.host.memory().totalPins()).isZero();
        }

        @Test
        void example5_memlock1000000Pages_plugIsEnomem() {
            Vm vm = new Vm(1_000_000 * P);
            VendorDevice vgpu = vm.f.mdev();
            vm.mapAll();
            Vm.pinW(vgpu);
            TestGroup gpu = vm.f.iommuGroup(IommuGroupSpec.of(1));
            Expect.refusedWithoutTrace(vm.f, Errno.ENOMEM, () -> vm.f.ops.attachGroup(gpu));
            assertThat(vm.f.lv()).isEqualTo(3_000);
            assertThat(gpu.iommuGroup().orElseThrow().domain()).isEmpty();
        }

        @Test
        void example5_twoGpusInSeparateDomains_unplugOneChangesNothing() {
            Vm vm = new Vm();
            VendorDevice vgpu = vm.f.mdev();
            vm.mapAll();
            Vm.pinW(vgpu);
            vm.f.attachIommuGroup(1);
            TestGroup second =
                    vm.f.attachIommuGroup(
                            IommuGroupSpec.builder().id(2).driver("amd-iommu").build());
            assertThat(vm.f.ops.state().details()).containsEntry("domains", 2L);
            assertThat(vm.f.lv()).isEqualTo(R);
            vm.f.ops.detachGroup(second);
            assertThat(vm.f.lv()).isEqualTo(R);
            vm.f.assertAuditClean();
        }
    }
}
