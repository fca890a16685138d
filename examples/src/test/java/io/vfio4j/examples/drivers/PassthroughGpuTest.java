package io.vfio4j.examples.drivers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.examples.vm.GuestVm;
import io.vfio4j.examples.vm.ReviewFixture.Mapping;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The simulated passthrough GPU: DMA through its IOMMU domain, faults where nothing is mapped. */
class PassthroughGpuTest {
    private final GuestVm vm = GuestVm.builder().build();
    private final PassthroughGpu gpu = vm.gpu(1);

    @AfterEach
    void stop() {
        vm.close();
    }

    @Test
    void withoutADomainEveryDmaFaults() {
        assertThatThrownBy(() -> gpu.dmaRead(0, 8))
                .isInstanceOfSatisfying(
                        DmaFaultException.class,
                        e -> assertThat(e.fault().reason()).contains("no IOMMU domain"));
        assertThat(gpu.faults()).hasSize(1);
    }

    @Test
    void dmaGoesThroughTheDomainToTheGuestsPages() {
        vm.attachGpu(1);
        vm.map(Mapping.A);
        vm.write(0x5000 - 3, new byte[] {1, 2, 3, 4, 5, 6});
        assertThat(gpu.dmaRead(0x5000 - 3, 6)).containsExactly(1, 2, 3, 4, 5, 6);
        gpu.dmaWrite(0x9000 - 2, new byte[] {9, 8, 7, 6});
        assertThat(vm.read(0x9000 - 2, 4)).containsExactly(9, 8, 7, 6);
        assertThat(gpu.faults()).isEmpty();
    }

    @Test
    void aFaultingAccessMovesNoByteAndIsLogged() {
        vm.attachGpu(1);
        vm.map(Mapping.A);
        long end = Mapping.A.size();
        vm.write(end - 4, new byte[] {1, 1, 1, 1});
        assertThatThrownBy(() -> gpu.dmaWrite(end - 4, new byte[] {7, 7, 7, 7, 7, 7, 7, 7}))
                .isInstanceOf(DmaFaultException.class);
        assertThat(vm.read(end - 4, 4)).containsExactly(1, 1, 1, 1);
        DmaFault f = gpu.faults().get(0);
        assertThat(f.iova()).isEqualTo(end);
        assertThat(f.write()).isTrue();
        assertThat(f.device()).isEqualTo("0000:01:00.0");
    }
}
