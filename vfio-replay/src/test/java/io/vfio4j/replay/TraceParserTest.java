package io.vfio4j.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.replay.TraceEvent.CancelMap;
import io.vfio4j.replay.TraceEvent.GroupAttach;
import io.vfio4j.replay.TraceEvent.Informational;
import io.vfio4j.replay.TraceEvent.MapCall;
import io.vfio4j.replay.TraceEvent.Skipped;
import io.vfio4j.replay.TraceEvent.Source;
import io.vfio4j.replay.TraceEvent.UnmapCall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Line formats and events. Lines quoted from the real traces under src/test/resources/traces say
 * so; the others are built from QEMU's format strings (hw/vfio/trace-events, backends/trace-events)
 * and libvfio-user's log calls, for events no public trace we found shows.
 */
class TraceParserTest {
    private final TraceParser parser = new TraceParser();

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "vfio_listener_region_add_ram region_add [ram] 0x0 - 0xbffff [0x7f5b41e00000]|NONE",
                "38511@1618242847.842083:vfio_listener_region_add_ram region_add [ram] 0x0 - 0x9ffff"
                        + " [0x7fcaa7e00000]|PID_TIMESTAMP",
                "янв 13 18:17:37 VM qemu-system-x86_64[7131]: vfio_listener_region_add_ram region_add"
                        + " [ram] 0xfa000000 - 0xfa000fff [0x7f6b5de37000]|SYSLOG",
                "Mar  2 09:15:01 host1 qemu-system-x86_64[4321]: vfio_listener_region_del region_del"
                        + " 0x180000000 - 0x1bfffffff|SYSLOG",
                "2021-05-05T09:38:16.158864Z qemu-system-x86_64: vfio_dma_map(0x557b8fd281b0, 0xc0000,"
                        + " 0x1000, 0x7f66406c0000) = -22 (Resource temporarily unavailable)|ISO8601",
                "2025-03-02T09:15:01.123456+01:00 (4321) vfio_listener_region_del region_del 0x0 -"
                        + " 0xfff|ISO8601",
                "2026-02-11T15:25:03.123456Z vm1 qemu-system-x86_64(4321:main):"
                        + " vfio_listener_region_del region_del 0x0 - 0xfff|ISO8601",
                "debug 1234: vfio_dma_unmap(0x55d0, 0x1000, 0x1000) = -22 (Invalid argument)|OTHER"
            })
    void recognisesEachPrefixFormatAndParsesTheEventAfterIt(String line, LineFormat format) {
        assertThat(LineFormat.of(parser.prefix(line))).isEqualTo(format);
        assertThat(parser.parse(1, line)).isNotInstanceOf(Skipped.class);
    }

    @Test
    void regionAddRamIsAMapOfTheInclusiveRangeAtItsVaddr() {
        assertThat(
                        parser.parse(
                                7,
                                "vfio_listener_region_add_ram region_add [ram] 0x100000000 - 0x201ffffff"
                                        + " [0x7f5c01e00000]"))
                .isEqualTo(
                        new MapCall(
                                7,
                                0x1_0000_0000L,
                                0x1_0200_0000L,
                                0x7f5c01e00000L,
                                false,
                                Source.LISTENER,
                                TraceEvent.UNKNOWN));
    }

    @Test
    void aRegionAddCutBeforeItsVaddrIsSkippedWithTheReason() {
        TraceEvent e =
                parser.parse(
                        18,
                        "38511@1618242847.843602:vfio_listener_region_add_ram region_add [ram]"
                                + " 0xfffc0000 - 0xffff");
        assertThat(e)
                .isEqualTo(
                        new Skipped(
                                18,
                                "vfio_listener_region_add_ram cut mid-line or malformed: region_add"
                                        + " [ram] 0xfffc0000 - 0xffff"));
    }

    @Test
    void continuationLinesUnknownEventsAndForeignLinesAreSkipped() {
        assertThat(parser.parse(3, " 0x1000, offset: 0x70000000000, flags: 0x3"))
                .isEqualTo(new Skipped(3, "continuation line"));
        assertThat(parser.parse(4, "vfio_frobnicate something"))
                .isEqualTo(new Skipped(4, "unknown event vfio_frobnicate"));
        assertThat(parser.parse(5, "kvm_set_phys_mem: error registering slot: File exists"))
                .isEqualTo(new Skipped(5, "no vfio, iommufd or vfio-user DMA event"));
    }

    @Test
    void skippedRegionAddsKeepTheirRangeOtherSkipAndDeviceEventsAreInformational() {
        // A skipped region_add explains a hole in a BAR mapped in pieces (BlockInference).
        assertThat(
                        parser.parse(
                                1,
                                "vfio_listener_region_add_skip SKIPPING region_add 0xfec00000 - 0xfec00fff"))
                .isEqualTo(new TraceEvent.SkippedSection(1, 0xfec00000L, 0x1000));
        assertThat(
                        parser.parse(
                                4,
                                "vfio_listener_region_skip SKIPPING region_add 0xfebe0000 - 0xfebe004f"))
                .isEqualTo(new TraceEvent.SkippedSection(4, 0xfebe0000L, 0x50));
        assertThat(parser.parse(5, "vfio_listener_region_add_skip SKIPPING region_add 0x10"))
                .isEqualTo(new Informational(5, "vfio_listener_region_add_skip"));
        assertThat(
                        parser.parse(
                                2,
                                "vfio_listener_region_skip SKIPPING region_del 0xa0000 - 0xbffff"))
                .isInstanceOf(Informational.class);
        assertThat(
                        parser.parse(
                                3,
                                "vfio_listener_region_add_iommu region_add [iommu] vtd-00.0-dmar 0x0 - 0xfedfffff"))
                .isInstanceOf(Informational.class);
    }

    @Test
    void realizeAndAttachDeviceNameTheGroup() {
        assertThat(parser.parse(9, "vfio_realize  (0000:00:02.0) group 1"))
                .isEqualTo(new GroupAttach(9, 1, "0000:00:02.0"));
        assertThat(parser.parse(9, "vfio_attach_device  (0000:65:00.0) group 13"))
                .isEqualTo(new GroupAttach(9, 13, "0000:65:00.0"));
    }

    @Test
    void theNotifierMapsAndUnmapsWithoutAHostAddress() {
        assertThat(parser.parse(1, "vfio_iommu_map_notify iommu MAP @ 0xfffff000 - 0xffffffff"))
                .isEqualTo(new MapCall(1, 0xfffff000L, 0x1000, -1, false, Source.VIOMMU, -1));
        assertThat(parser.parse(2, "vfio_iommu_map_notify iommu UNMAP @ 0xfefc0000 - 0xfefc0fff"))
                .isEqualTo(new UnmapCall(2, 0xfefc0000L, 0x1000, false, Source.VIOMMU, -1));
    }

    @Test
    void notifierLinesCutShortOrWithoutTheHexPrefixAreReadOrReported() {
        assertThat(parser.parse(1, "vfio_iommu_map_notify iommu MAP @ fffff000 - ffffffff"))
                .isEqualTo(new MapCall(1, 0xfffff000L, 0x1000, -1, false, Source.VIOMMU, -1));
        assertThat(
                        parser.parse(
                                2,
                                "4242@1700000000.000001:vfio_iommu_map_notify iommu MAP @ 0xfffff000 -"))
                .isEqualTo(
                        new Skipped(
                                2,
                                "vfio_iommu_map_notify cut mid-line or malformed: iommu MAP @"
                                        + " 0xfffff000 -"));
        assertThat(parser.parse(3, "vfio_iommu_map_notify iommu MAP @ 0xfffff000 - 0xfff"))
                .isEqualTo(new Skipped(3, "vfio_iommu_map_notify: end below start"));
        assertThat(parser.parse(4, "xvfio_iommu_map_notify iommu MAP @ 0x0 - 0xfff"))
                .as("glued to a word: not an event")
                .isInstanceOf(Skipped.class);
    }

    @Test
    void aRegionDelOfTheWhole64BitSpaceIsMarkedAsSuch() {
        assertThat(parser.parse(1, "vfio_listener_region_del region_del 0x0 - 0xffffffffffffffff"))
                .isEqualTo(new UnmapCall(1, 0, 0, true, Source.LISTENER, -1));
    }

    @Test
    void errorPrintsCarryTheResult() {
        assertThat(
                        parser.parse(
                                10,
                                "qemu-kvm: vfio_dma_map(0x56443d20fbe0, 0xffffe000, 0x1000,"
                                        + " 0x7fb545709000) = -17 (File exists)"))
                .isEqualTo(
                        new MapCall(
                                10,
                                0xffffe000L,
                                0x1000,
                                0x7fb545709000L,
                                false,
                                Source.ERROR_PRINT,
                                17));
        assertThat(
                        parser.parse(
                                11,
                                "qemu: vfio_container_dma_unmap(0x55d0, 0x1000, 0x2000) = -22 (Invalid argument)"))
                .isEqualTo(new UnmapCall(11, 0x1000, 0x2000, false, Source.ERROR_PRINT, 22));
    }

    @Test
    void iommufdEventsCarryTheirResultAndReadOnly() {
        assertThat(
                        parser.parse(
                                14,
                                "iommufd_backend_map_file_dma  iommufd=303 ioas=2 iova=0x30000000000"
                                        + " size=0xb90000 fd=306 start=0 readonly=0 (0)"))
                .isEqualTo(new MapCall(14, 0x30000000000L, 0xb90000, -1, false, Source.IOMMUFD, 0));
        assertThat(
                        parser.parse(
                                1,
                                "iommufd_backend_map_dma  iommufd=5 ioas=2 iova=0xfffc0000 size=0x40000"
                                        + " addr=0x7f5d1d600000 readonly=1 (0)"))
                .isEqualTo(
                        new MapCall(
                                1, 0xfffc0000L, 0x40000, 0x7f5d1d600000L, true, Source.IOMMUFD, 0));
        assertThat(
                        parser.parse(
                                2,
                                "iommufd_backend_unmap_dma_non_exist  Unmap nonexistent mapping:"
                                        + " iommufd=5 ioas=2 iova=0x0 size=0x1000 (-2)"))
                .isEqualTo(new UnmapCall(2, 0, 0x1000, false, Source.IOMMUFD, 2));
        assertThat(
                        parser.parse(
                                3,
                                "iommufd_backend_unmap_dma  iommufd=5 ioas=2 iova=0x0"
                                        + " size=0xffffffffffffffff (0)"))
                .isEqualTo(new UnmapCall(3, 0, 0, true, Source.IOMMUFD, 0));
    }

    @Test
    void libvfioUserServerLinesAreHalfOpenAndSayWhetherTheyAreWritable() {
        assertThat(parser.parse(1, "gpio: adding DMA region [0xc0000, 0xe0000) offset=0 flags=0x1"))
                .isEqualTo(new MapCall(1, 0xc0000, 0x20000, -1, true, Source.VFIO_USER, -1));
        assertThat(parser.parse(2, "gpio: adding DMA region [0, 0xc0000) offset=0 flags=0x3"))
                .isEqualTo(new MapCall(2, 0, 0xc0000, -1, false, Source.VFIO_USER, -1));
        assertThat(
                        parser.parse(
                                3,
                                "adding DMA region [0x1000, 0x3000) offset=0 prot=0x3 flags=0x1"))
                .isEqualTo(new MapCall(3, 0x1000, 0x2000, -1, false, Source.VFIO_USER, -1));
        assertThat(
                        parser.parse(
                                4,
                                "ERROR: failed to add DMA region [0x10000, 0x80000011000) offset=0"
                                        + " flags=0x3: No space left on device"))
                .isEqualTo(
                        new MapCall(4, 0x10000, 0x80000001000L, -1, false, Source.VFIO_USER, 28));
        assertThat(parser.parse(5, "removing DMA region [0x1000, 0x3000) offset=0 flags=0x3"))
                .isEqualTo(new UnmapCall(5, 0x1000, 0x2000, false, Source.VFIO_USER, -1));
    }

    @Test
    void noDmaMapCancels() {
        assertThat(
                        parser.parse(
                                4,
                                "vfio_listener_region_add_no_dma_map Region \"0000:01:00.0 BAR 0 mmaps[0]\""
                                        + " 0xfe001000 size=0x3000 is not aligned to 0x10000 and cannot be"
                                        + " mapped for DMA"))
                .isEqualTo(new CancelMap(4));
    }

    @Test
    void aNumberPastSixtyFourBitsIsSkippedNotThrown() {
        assertThat(parser.parse(1, "vfio_listener_region_del region_del 0x10000000000000000 - 0x1"))
                .isInstanceOf(Skipped.class);
    }
}
