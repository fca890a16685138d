package io.vfio4j.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.replay.TraceEvent.MapCall;
import io.vfio4j.replay.TraceEvent.UnmapCall;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Listener lines and the results printed after them become one call each. */
class CallMergerTest {
    private final TraceParser parser = new TraceParser();
    private final List<TraceEvent> out = new ArrayList<>();
    private final CallMerger merger = new CallMerger(out::add);

    private void feed(String... lines) {
        for (int i = 0; i < lines.length; i++) {
            merger.accept(parser.parse(i + 1, lines[i]));
        }
        merger.flush();
    }

    @Test
    void anErrorPrintOfTheSameRangeIsTheResultOfTheRegionAddBeforeIt() {
        feed(
                "vfio_listener_region_add_ram region_add [ram] 0xc0000 - 0xc0fff [0x7f66406c0000]",
                "qemu: vfio_dma_map(0x557b8fd281b0, 0xc0000, 0x1000, 0x7f66406c0000) = -22 (x)");
        assertThat(out)
                .containsExactly(
                        new MapCall(
                                1,
                                0xc0000,
                                0x1000,
                                0x7f66406c0000L,
                                false,
                                TraceEvent.Source.LISTENER,
                                22));
    }

    @Test
    void aPrintOfAnotherRangeIsACallOfItsOwn() {
        feed(
                "vfio_listener_region_add_ram region_add [ram] 0xc0000 - 0xc0fff [0x7f66406c0000]",
                "qemu: vfio_dma_map(0x557b8fd281b0, 0xd0000, 0x1000, 0x7f66406d0000) = -17 (x)");
        assertThat(out).hasSize(2);
        assertThat(((MapCall) out.get(0)).recordedErrno()).isEqualTo(TraceEvent.UNKNOWN);
        assertThat(((MapCall) out.get(1)).recordedErrno()).isEqualTo(17);
    }

    @Test
    void noDmaMapCancelsTheRegionAddBeforeIt() {
        feed(
                "vfio_listener_region_add_ram region_add [ram] 0xfe001000 - 0xfe003fff [0x7f0000001000]",
                "vfio_listener_region_add_no_dma_map Region \"x\" 0xfe001000 size=0x3000 is not aligned"
                        + " to 0x10000 and cannot be mapped for DMA");
        assertThat(out).noneMatch(e -> e instanceof MapCall);
    }

    @Test
    void anIommufdUnmapAllIsTheResultOfTheWholeSpaceRegionDel() {
        feed(
                "vfio_listener_region_del region_del 0x0 - 0xffffffffffffffff",
                "iommufd_backend_unmap_dma  iommufd=5 ioas=2 iova=0x0 size=0xffffffffffffffff (0)");
        assertThat(out).containsExactly(new UnmapCall(1, 0, 0, true, TraceEvent.Source.IOMMUFD, 0));
    }
}
