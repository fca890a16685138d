package io.vfio4j.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.host.PinnedRun;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SimHostTest {
    @Test
    void defaultsAreAnX86HostWithFourKibPages() {
        SimHost host = SimHost.builder().build();

        assertThat(host.pageSize()).isEqualTo(4096);
        assertThat(host.pageShift()).isEqualTo(12);
        assertThat(host.platform()).isEqualTo(Platform.X86);
        assertThat(host.eehEnabled()).isFalse();
        assertThat(host.anonymousRunPages()).isEqualTo(64);
        assertThat(host.taints()).isEmpty();
    }

    @Test
    void powerDefaultsToSixtyFourKibUnlessThePageSizeIsSet() {
        assertThat(SimHost.builder().platform(Platform.POWER).build().pageSize()).isEqualTo(65536);
        SimHost small = SimHost.builder().pageSize(4096).platform(Platform.POWER).eeh(true).build();
        assertThat(small.pageSize()).isEqualTo(4096);
        assertThat(small.eehEnabled()).isTrue();
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> SimHost.builder().pageSize(2048))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SimHost.builder().pageSize(12288))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SimHost.builder().anonymousRunPages(0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pidsIncreaseFromOneThousandAndSpacesAreUnique() {
        SimHost host = SimHost.builder().build();

        SimProcess a = host.spawnProcess(ProcessSpec.builder().name("qemu").build());
        SimProcess b = host.spawnProcess(ProcessSpec.defaults());

        assertThat(a.pid()).isEqualTo(1000);
        assertThat(b.pid()).isEqualTo(1001);
        assertThat(a.name()).isEqualTo("qemu");
        assertThat(b.name()).isEqualTo("pid1001");
        assertThat(host.processes()).containsExactly(a, b);
        assertThat(a.addressSpace().orElseThrow().id())
                .isNotEqualTo(b.addressSpace().orElseThrow().id());
        assertThat(host.addressSpaces()).hasSize(2);
        a.exit();
        assertThat(host.addressSpaces()).containsExactly(b.simAddressSpace().orElseThrow());
        assertThat(host.processes()).hasSize(2);
    }

    @Test
    void groupIdsAreUniqueAndListedInOrder() {
        SimHost host = SimHost.builder().build();
        SimIommuGroup g9 = host.addIommuGroup(IommuGroupSpec.of(9));
        SimIommuGroup g2 =
                host.addIommuGroup(
                        IommuGroupSpec.builder()
                                .id(2)
                                .devices("0000:02:00.0", "0000:02:00.1")
                                .build());

        assertThatThrownBy(() -> host.addIommuGroup(IommuGroupSpec.of(9)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("9");
        assertThat(host.iommuGroups()).containsExactly(g2, g9);
        assertThat(host.iommuGroup(9)).containsSame(g9);
        assertThat(host.iommuGroup(3)).isEmpty();
        assertThat(g2.devices()).containsExactly("0000:02:00.0", "0000:02:00.1");
        assertThatThrownBy(() -> IommuGroupSpec.builder().build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void taintsAreRecordedInOrder() {
        SimHost host = SimHost.builder().build();

        host.taint("vfio-noiommu");
        host.taint("other");

        assertThat(host.taints()).containsExactly("vfio-noiommu", "other");
    }

    @Test
    void concurrentProcessesPinAndUnpinConsistently() throws InterruptedException {
        SimHost host = SimHost.builder().build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            SimProcess p = host.spawnProcess(ProcessSpec.defaults());
            p.mmap(RegionSpec.anonymous(0x1000_0000L, 1 << 22));
            SimAddressSpace mm = p.simAddressSpace().orElseThrow();
            pool.execute(
                    () -> {
                        for (int i = 0; i < 2000; i++) {
                            long va = 0x1000_0000L + (i % 1024) * 4096L;
                            PinnedRun r = mm.pinRun(va, 1 + i % 7, true);
                            host.memory().unpin(r.pfn(), r.pages(), false);
                        }
                        mm.pinRun(0x1000_0000L, 3, true);
                    });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

        assertThat(host.memory().totalPins()).isEqualTo(12);
        assertThat(host.memory().totalPinnedFrames()).isEqualTo(12);
    }
}
