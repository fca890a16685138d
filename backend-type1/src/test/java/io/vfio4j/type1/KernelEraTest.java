package io.vfio4j.type1;

import static io.vfio4j.type1.Fixture.P;
import static io.vfio4j.type1.Fixture.RW;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.Errno;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.DirtyPages;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.host.IommuGroupSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The answers type1 gives per kernel era (docs/scenarios.md, kernel eras): 6.18's EOVERFLOW for
 * ranges that wrap past 2^64 and its fix for an UNMAP ending at the top of the IOVA space
 * (drivers/vfio/vfio_iommu_type1.c {@code vfio_dma_do_map}, {@code vfio_dma_do_unmap}, {@code
 * vfio_find_dma_first_node}).
 */
class KernelEraTest {
    /** 2^64 - 4 KiB: a 4 KiB mapping here ends at the last IOVA. */
    private static final long TOP_PAGE = -P;

    private static Fixture at(String kernel) {
        Fixture f = Fixture.builder().kernel(kernel).build();
        f.attachIommuGroup(1);
        return f;
    }

    /** A group whose aperture is the whole 64-bit space, so the top page can be mapped. */
    private static Fixture wholeSpaceAt(String kernel) {
        Fixture f = Fixture.builder().kernel(kernel).build();
        f.attachIommuGroup(
                IommuGroupSpec.builder()
                        .id(1)
                        .aperture(new IovaRange(0, -1L))
                        .reservedRegions(List.of())
                        .build());
        return f;
    }

    @Test
    void mapWhoseIovaWrapsIsEinvalOn616AndEoverflowOn618() {
        Fixture old = at("6.16");
        long vaddr = old.ram(2 * P);
        Expect.refusedWithoutTrace(
                old, Errno.EINVAL, () -> old.exec(MapDma.rw(vaddr, TOP_PAGE, 2 * P)));
        Fixture now = at("6.18");
        long vaddr2 = now.ram(2 * P);
        Expect.refusedWithoutTrace(
                now, Errno.EOVERFLOW, () -> now.exec(MapDma.rw(vaddr2, TOP_PAGE, 2 * P)));
    }

    @Test
    void mapWhoseVaddrWrapsIsEinvalOn616AndEoverflowOn618() {
        Fixture old = at("6.16");
        Expect.refusedWithoutTrace(
                old, Errno.EINVAL, () -> old.exec(MapDma.rw(TOP_PAGE, 0x10_0000L, 2 * P)));
        Fixture now = at("6.18");
        Expect.refusedWithoutTrace(
                now, Errno.EOVERFLOW, () -> now.exec(MapDma.rw(TOP_PAGE, 0x10_0000L, 2 * P)));
    }

    @Test
    void on618TheWrapIsCheckedBeforeAlignment() {
        // size 0x1800 is not page aligned and iova + size wraps: 6.16 checks alignment first.
        Fixture old = at("6.16");
        Expect.refusedWithoutTrace(
                old, Errno.EINVAL, () -> old.exec(MapDma.rw(0x10_0000L, TOP_PAGE, 0x1800)));
        Fixture now = at("6.18");
        Expect.refusedWithoutTrace(
                now, Errno.EOVERFLOW, () -> now.exec(MapDma.rw(0x10_0000L, TOP_PAGE, 0x1800)));
        Expect.refusedWithoutTrace(
                now, Errno.EINVAL, () -> now.exec(MapDma.rw(0x10_0000L, 0x1000, 0)));
    }

    @Test
    void unmapWhoseRangeWrapsIsEinvalOn616AndEoverflowOn618() {
        Fixture old = at("6.16");
        old.map(0x10_0000L, P);
        Expect.refusedWithoutTrace(old, Errno.EINVAL, () -> old.unmap(TOP_PAGE, 2 * P));
        Fixture now = at("6.18");
        now.map(0x10_0000L, P);
        Expect.refusedWithoutTrace(now, Errno.EOVERFLOW, () -> now.unmap(TOP_PAGE, 2 * P));
        // Alignment is still checked first: an unaligned size that also wraps is EINVAL.
        Expect.refusedWithoutTrace(now, Errno.EINVAL, () -> now.unmap(TOP_PAGE, 0x1800));
        assertThat(now.mappings()).isEqualTo(1);
        assertThat(now.lv()).isEqualTo(1);
    }

    @Test
    void unmapOfTheTopPageReturnsZeroAndKeepsItOn616() {
        Fixture f = wholeSpaceAt("6.16");
        f.map(TOP_PAGE, P);
        assertThat(f.lv()).isEqualTo(1);

        UnmapDma.Result r = f.unmap(TOP_PAGE, P);

        assertThat(r.unmappedBytes()).isZero();
        assertThat(f.mappings()).isEqualTo(1);
        assertThat(f.dmaAvail()).isEqualTo(Fixture.LIMIT - 1);
        assertThat(f.lv()).isEqualTo(1);
        f.assertAuditClean();
    }

    @Test
    void unmapOfTheTopPageRemovesItOn618() {
        Fixture f = wholeSpaceAt("6.18");
        f.map(TOP_PAGE, P);
        assertThat(f.lv()).isEqualTo(1);

        UnmapDma.Result r = f.unmap(TOP_PAGE, P);

        assertThat(r.unmappedBytes()).isEqualTo(P);
        assertThat(f.mappings()).isZero();
        assertThat(f.dmaAvail()).isEqualTo(Fixture.LIMIT);
        assertThat(f.lv()).isZero();
        f.assertAuditClean();
    }

    @Test
    void on618AnUnmapEndingAtTheTopTakesEveryMappingInItsRange() {
        Fixture f = wholeSpaceAt("6.18");
        f.map(TOP_PAGE - P, P);
        f.map(TOP_PAGE, P, RW);
        assertThat(f.lv()).isEqualTo(2);

        assertThat(f.unmap(TOP_PAGE - P, 2 * P).unmappedBytes()).isEqualTo(2 * P);

        assertThat(f.mappings()).isZero();
        assertThat(f.lv()).isZero();
    }

    @Test
    void on616AnUnmapEndingAtTheTopFindsNothingEvenBelowTheTopPage() {
        Fixture f = wholeSpaceAt("6.16");
        f.map(TOP_PAGE - P, P);
        f.map(TOP_PAGE, P, RW);

        assertThat(f.unmap(TOP_PAGE - P, 2 * P).unmappedBytes()).isZero();

        assertThat(f.mappings()).isEqualTo(2);
        assertThat(f.lv()).isEqualTo(2);
        // A range that stops short of the top still works in both eras.
        assertThat(f.unmap(TOP_PAGE - P, P).unmappedBytes()).isEqualTo(P);
        assertThat(f.lv()).isEqualTo(1);
    }

    @Test
    void getBitmapOverAWrappingRangeIsEinvalOn616AndEoverflowOn618() {
        Fixture old = wholeSpaceAt("6.16");
        old.exec(DirtyPages.start());
        Expect.errno(Errno.EINVAL, () -> old.exec(DirtyPages.getBitmap(TOP_PAGE, 2 * P, P)));
        Fixture now = wholeSpaceAt("6.18");
        now.exec(DirtyPages.start());
        Expect.errno(Errno.EOVERFLOW, () -> now.exec(DirtyPages.getBitmap(TOP_PAGE, 2 * P, P)));
    }

    @Test
    void getBitmapOfTheTopPageIsEinvalOn616AndAnsweredOn618() {
        Fixture old = wholeSpaceAt("6.16");
        old.map(TOP_PAGE, P);
        old.exec(DirtyPages.start());
        Expect.errno(Errno.EINVAL, () -> old.exec(DirtyPages.getBitmap(TOP_PAGE, P, P)));

        Fixture now = wholeSpaceAt("6.18");
        now.map(TOP_PAGE, P);
        now.exec(DirtyPages.start());
        long[] bits = now.exec(DirtyPages.getBitmap(TOP_PAGE, P, P)).bitmap().orElseThrow();
        // The group never pinned, so every IOMMU-mapped page is reported dirty.
        assertThat(bits).containsExactly(1L);
    }

    @Test
    void aPinWhoseRangeWrapsIsEinvalOn616AndEoverflowOn618() {
        for (String kernel : new String[] {"6.16", "6.18"}) {
            Fixture f = Fixture.builder().kernel(kernel).build();
            VendorDevice d = f.mdev();
            f.map(TOP_PAGE, P);
            Expect.refusedWithoutTrace(
                    f,
                    kernel.equals("6.16") ? Errno.EINVAL : Errno.EOVERFLOW,
                    () -> d.pin(TOP_PAGE, 2, RW));
            assertThat(f.lv()).isZero();
        }
    }

    @Test
    void typeOneNestingIsReportedUpTo612AndNotFrom613() {
        Type1Provider p = new Type1Provider();
        for (String kernel : new String[] {"6.1", "6.12", "6.13", "6.16", "7.2"}) {
            int expected = KernelVersion.parse(kernel).atLeast(KernelVersion.of(6, 13)) ? 0 : 1;
            assertThat(
                            p.checkExtension(
                                    CheckExtension.TYPE1_NESTING,
                                    null,
                                    KernelVersion.parse(kernel)))
                    .as("provider, kernel %s", kernel)
                    .isEqualTo(expected);
            assertThat(at(kernel).exec(new CheckExtension(CheckExtension.TYPE1_NESTING)))
                    .as("container, kernel %s", kernel)
                    .isEqualTo(expected);
        }
        // Without an era the provider answers for the baseline.
        assertThat(p.checkExtension(CheckExtension.TYPE1_NESTING, null)).isZero();
        assertThat(p.checkExtension(3, null, KernelVersion.of(6, 1))).isEqualTo(1);
    }

    @Test
    void aWrappingMapIsEinvalOn61And612AndEoverflowOn72() {
        for (String kernel : new String[] {"6.1", "6.12", "7.2"}) {
            Fixture f = at(kernel);
            long vaddr = f.ram(2 * P);
            Expect.refusedWithoutTrace(
                    f,
                    kernel.equals("7.2") ? Errno.EOVERFLOW : Errno.EINVAL,
                    () -> f.exec(MapDma.rw(vaddr, TOP_PAGE, 2 * P)));
        }
    }

    /**
     * 1024 pages of never-touched anonymous memory mapped READ only, as the runs on real kernels
     * did.
     */
    private static Fixture readOnlyMapOfUntouchedMemory(String kernel) {
        Fixture f = at(kernel);
        long vaddr = f.ram(1024 * P);
        f.exec(MapDma.of(vaddr, 0x1600_0000L, 1024 * P, MapDma.READ));
        assertThat(f.mappings()).isEqualTo(1);
        return f;
    }

    @Test
    void aReadOnlyMapOfUntouchedMemoryIsNotChargedOn61AndChargedFrom62() {
        Fixture old = readOnlyMapOfUntouchedMemory("6.1");
        assertThat(old.lv()).isZero();
        assertThat(old.host.memory().totalPinnedFrames()).isZero();
        assertThat(old.unmap(0x1600_0000L, 1024 * P).unmappedBytes()).isEqualTo(1024 * P);
        assertThat(old.lv()).isZero();
        assertThat(old.mm().underflows()).isZero();
        for (String kernel : List.of("6.2", "6.12", "7.2")) {
            Fixture now = readOnlyMapOfUntouchedMemory(kernel);
            assertThat(now.lv()).as(kernel).isEqualTo(1024);
            assertThat(now.host.memory().totalPinnedFrames()).as(kernel).isEqualTo(1024);
            now.unmap(0x1600_0000L, 1024 * P);
            assertThat(now.lv()).as(kernel).isZero();
        }
    }

    @Test
    void on61OnlyTheTouchedPagesOfAReadOnlyMapAreCharged() {
        Fixture f = at("6.1");
        long vaddr = f.ram(16 * P);
        // The CPU writes pages 2 and 3 (one write across the boundary), a write pin takes 10.
        f.mm().write(vaddr + 3 * P - 1, new byte[] {1, 2}, 0, 2);
        f.exec(MapDma.rw(vaddr + 10 * P, 0x10_0000L, P));
        f.exec(MapDma.of(vaddr, 0x20_0000L, 16 * P, MapDma.READ));
        assertThat(f.lv()).isEqualTo(1 + 2 + 1);
        assertThat(f.unmap(0x20_0000L, 16 * P).unmappedBytes()).isEqualTo(16 * P);
        assertThat(f.lv()).isEqualTo(1);
    }

    @Test
    void on61AReadWriteMapOfUntouchedMemoryIsChargedInFull() {
        Fixture f = at("6.1");
        long vaddr = f.ram(64 * P);
        f.exec(MapDma.rw(vaddr, 0, 64 * P));
        assertThat(f.lv()).isEqualTo(64);
    }

    /** The releases measured on real kernels: 6.1 and 6.12 answer as 6.16, 7.2 as 6.18. */
    @Test
    void the618AnswersHoldFrom72AndNotOn61Or612() {
        for (String kernel : List.of("6.1", "6.12", "7.2")) {
            boolean new618 = kernel.equals("7.2");
            Fixture f = wholeSpaceAt(kernel);
            f.map(TOP_PAGE, P);
            assertThat(f.unmap(TOP_PAGE, P).unmappedBytes()).as(kernel).isEqualTo(new618 ? P : 0);
            assertThat(f.mappings()).as(kernel).isEqualTo(new618 ? 0 : 1);
            Expect.refusedWithoutTrace(
                    f,
                    new618 ? Errno.EOVERFLOW : Errno.EINVAL,
                    () -> f.exec(UnmapDma.of(TOP_PAGE - P, 4 * P)));
            assertThat(f.exec(new CheckExtension(CheckExtension.TYPE1_NESTING)))
                    .as(kernel)
                    .isEqualTo(new618 ? 0 : 1);
        }
    }
}
