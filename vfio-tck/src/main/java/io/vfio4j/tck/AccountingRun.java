package io.vfio4j.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vfio4j.api.BackendState;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.VfioException;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Runs one operation sequence against the backend and the reference model, step by step. The
 * container keeps one permanent group (an mdev when the backend also takes IOMMU groups, so that
 * both "no domain" and "domain" accounting are reached) and toggles a second one.
 */
final class AccountingRun {
    private final TckSystem system;
    private final TckBackend backend;
    private final long pageSize;
    private final GroupKind permanentKind;
    private final VfioGroup permanent;
    private final VfioGroup toggled;
    private final VfioContainer container;
    private final TckVendorDriver vendor;
    private final Type1Model type1;
    private final WindowModel window;
    private boolean toggledIn;
    private String where = "set-up";

    private AccountingRun(TckSystem system) {
        this.system = system;
        this.backend = system.backend();
        this.pageSize = system.pageSize();
        boolean mixed =
                backend.accepts(GroupKind.EMULATED)
                        && backend.accepts(GroupKind.IOMMU)
                        && backend.supports(BackendCapability.MULTI_GROUP);
        this.permanentKind = mixed ? GroupKind.EMULATED : backend.primaryKind();
        this.permanent = system.group(permanentKind, 1);
        this.toggled = mixed ? system.group(GroupKind.IOMMU, 1) : system.group(permanentKind, 2);
        this.container = system.container(permanentKind);
        if (backend.supports(BackendCapability.DMA_MAPPING)) {
            system.prepareMapping(container);
        }
        this.vendor = permanentKind == GroupKind.IOMMU ? null : system.openVendor(permanent);
        this.type1 = backend.supports(BackendCapability.TYPE1_MAPPING) ? new Type1Model() : null;
        this.window = backend.windowedMapping() ? new WindowModel(system.lockedVm()) : null;
    }

    static void run(TckBackend backend, List<TckOp> operations) {
        try (TckSystem system = TckSystem.start(backend)) {
            new AccountingRun(system).execute(operations);
        }
    }

    private void execute(List<TckOp> operations) {
        verify();
        for (int i = 0; i < operations.size(); i++) {
            TckOp op = operations.get(i);
            where = "step " + (i + 1) + " " + op + " of " + operations;
            if (op instanceof TckOp.Map m) {
                map(m.page(), m.pages());
            } else if (op instanceof TckOp.Unmap u) {
                unmap(u.page(), u.pages());
            } else if (op instanceof TckOp.Pin p) {
                pin(p.page(), p.pages());
            } else if (op instanceof TckOp.Unpin u) {
                unpin(u.page(), u.pages());
            } else {
                toggle();
            }
            verify();
        }
        where = "tear-down after " + operations;
        tearDown();
    }

    private boolean domain() {
        return permanentKind == GroupKind.IOMMU || (toggledIn && toggled.kind() == GroupKind.IOMMU);
    }

    private void map(int page, int pages) {
        long iova = system.iova(page);
        long size = pages * pageSize;
        if (type1 != null) {
            boolean overlap = type1.overlaps(page, pages);
            if (expect(overlap ? Errno.EEXIST : null, () -> system.map(container, iova, size))) {
                type1.map(page, pages);
            }
        } else if (window != null) {
            expect(null, () -> system.map(container, iova, size));
            window.map(page, pages, system.lockedVm());
        } else {
            expect(
                    backend.refusal(BackendCapability.DMA_MAPPING),
                    () -> system.map(container, iova, size));
        }
    }

    private void unmap(int page, int pages) {
        long iova = system.iova(page);
        long size = pages * pageSize;
        if (type1 != null) {
            boolean v2 = backend.supports(BackendCapability.V2_UNMAP_SEMANTICS);
            MappingRules rules = backend.mappingRules();
            if (v2 && rules.partialUnmap()) {
                unmapPartially(page, pages);
                return;
            }
            if (!v2 && rules.holePunching()) {
                unmapPunching(page, pages);
                return;
            }
            List<Type1Model.Mapping> removed = type1.toUnmap(page, pages, v2);
            if (removed == null) {
                expect(rules.bisect(), () -> system.unmap(container, iova, size));
                return;
            }
            if (vendor != null && !backend.supports(BackendCapability.DMA_UNMAP_NOTIFICATION)) {
                // Nobody will be told: the vendor lets go of the range first.
                for (Type1Model.Mapping m : removed) {
                    m.pins.forEach((p, refs) -> unpinQuietly(p, refs));
                    m.pins.clear();
                }
            }
            int notifiedBefore = vendor == null ? 0 : vendor.notifications().size();
            long[] bytes = new long[1];
            expect(null, () -> bytes[0] = system.unmap(container, iova, size));
            long expected = 0;
            boolean pinned = false;
            for (Type1Model.Mapping m : removed) {
                expected += m.pages * pageSize;
                pinned |= !m.pins.isEmpty();
                type1.maps.remove(m.start);
            }
            assertThat(bytes[0]).as("unmapped bytes at %s", where).isEqualTo(expected);
            if (pinned) {
                assertThat(vendor.notifications().size())
                        .as("pins in the range were notified at %s", where)
                        .isGreaterThan(notifiedBefore);
            }
        } else if (window != null) {
            expect(null, () -> system.unmap(container, iova, size));
            window.unmap(page, pages, system.lockedVm());
        } else {
            expect(
                    backend.refusal(BackendCapability.DMA_MAPPING),
                    () -> system.unmap(container, iova, size));
        }
    }

    /**
     * A v2 unmap whose walk is not atomic ({@link MappingRules#partialUnmap}): the mappings inside
     * the range are removed from the lowest up to one that sticks out, which fails the call with
     * the bisect errno and stays; those removed before stay removed.
     */
    private void unmapPartially(int page, int pages) {
        int end = page + pages;
        List<Type1Model.Mapping> inRange =
                type1.maps.values().stream()
                        .filter(m -> m.start < end && page < m.start + m.pages)
                        .toList();
        List<Type1Model.Mapping> removed = new ArrayList<>();
        boolean sticksOut = false;
        for (Type1Model.Mapping m : inRange) {
            if (m.start < page || m.start + m.pages > end) {
                sticksOut = true;
                break;
            }
            removed.add(m);
        }
        long iova = system.iova(page);
        long size = pages * pageSize;
        if (sticksOut && removed.isEmpty()) {
            expect(backend.mappingRules().bisect(), () -> system.unmap(container, iova, size));
            return;
        }
        VfioException e = null;
        long bytes = 0;
        try {
            bytes = system.unmap(container, iova, size);
        } catch (VfioException thrown) {
            e = thrown;
        }
        if (sticksOut) {
            assertThat(e)
                    .as("expected %s at %s", backend.mappingRules().bisect(), where)
                    .isNotNull();
            assertThat(e.errno())
                    .as("%s at %s", e.getMessage(), where)
                    .isEqualTo(backend.mappingRules().bisect());
        } else if (e != null) {
            throw new AssertionError("unexpected refusal " + e.getMessage() + " at " + where, e);
        }
        long expected = 0;
        for (Type1Model.Mapping m : removed) {
            expected += m.pages * pageSize;
            type1.maps.remove(m.start);
        }
        if (!sticksOut) {
            assertThat(bytes).as("unmapped bytes at %s", where).isEqualTo(expected);
        }
    }

    /**
     * A v1 unmap that punches holes ({@link MappingRules#holePunching}): mappings are cut at both
     * ends of the range first (a cut through a mapping with pins is refused with EINVAL, after the
     * first cut may have happened), then everything inside goes.
     */
    private void unmapPunching(int page, int pages) {
        int end = page + pages;
        int before = type1.maps.size();
        boolean refused = !type1.cutAfter(page - 1) || !type1.cutAfter(end - 1);
        long iova = system.iova(page);
        long size = pages * pageSize;
        if (refused && type1.maps.size() == before) {
            expect(Errno.EINVAL, () -> system.unmap(container, iova, size));
            return;
        }
        VfioException e = null;
        long bytes = 0;
        try {
            bytes = system.unmap(container, iova, size);
        } catch (VfioException thrown) {
            e = thrown;
        }
        if (refused) {
            assertThat(e).as("expected EINVAL at %s", where).isNotNull();
            assertThat(e.errno()).as("%s at %s", e.getMessage(), where).isEqualTo(Errno.EINVAL);
            return;
        }
        if (e != null) {
            throw new AssertionError("unexpected refusal " + e.getMessage() + " at " + where, e);
        }
        long expected = 0;
        for (Type1Model.Mapping m :
                type1.maps.values().stream()
                        .filter(m -> m.start >= page && m.start < end)
                        .toList()) {
            expected += m.pages * pageSize;
            type1.maps.remove(m.start);
        }
        assertThat(bytes).as("unmapped bytes at %s", where).isEqualTo(expected);
    }

    private void unpinQuietly(int page, int refs) {
        for (int i = 0; i < refs; i++) {
            vendor.device().unpinPages(system.iova(page), 1);
        }
        List<Long> pages = new ArrayList<>();
        for (int i = 0; i < refs; i++) {
            pages.add(system.iova(page));
        }
        vendor.forget(pages);
    }

    private void pin(int page, int pages) {
        if (vendor == null || (window != null && pinning())) {
            return; // no device can pin here, or SPAPR-style pins: the conformance suite covers
            // them
        }
        long iova = system.iova(page);
        if (!pinning()) {
            expect(
                    backend.refusal(BackendCapability.EXTERNAL_PINNING),
                    () -> vendor.pin(iova, pages));
            return;
        }
        boolean covered = type1.covers(page, pages);
        Errno hole = backend.mappingRules().unmappedIova();
        if (expect(covered ? null : hole, () -> vendor.pin(iova, pages))) {
            type1.pin(page, pages);
        }
    }

    private void unpin(int page, int pages) {
        if (vendor == null || (window != null && pinning())) {
            return;
        }
        long iova = system.iova(page);
        if (!pinning()) {
            expect(
                    backend.unpinIgnoredWhenUnsupported()
                            ? null
                            : backend.refusal(BackendCapability.EXTERNAL_PINNING),
                    () -> vendor.device().unpinPages(iova, pages));
            return;
        }
        expect(null, () -> vendor.device().unpinPages(iova, pages));
        if (backend.mappingRules().exactRangeUnpin()) {
            for (int[] piece : type1.unpinExact(page, pages)) {
                Type1Model.Mapping m = type1.covering(piece[0]);
                vendor.forgetRange(
                        system.iova(piece[0]),
                        piece[1] - piece[0] + 1,
                        system.iova(m.start),
                        m.pages);
            }
            return;
        }
        List<Long> released = new ArrayList<>();
        for (int p : type1.unpin(page, pages)) {
            released.add(system.iova(p));
        }
        vendor.forget(released);
    }

    private boolean pinning() {
        return backend.supports(BackendCapability.EXTERNAL_PINNING);
    }

    private void toggle() {
        if (!backend.supports(BackendCapability.MULTI_GROUP)) {
            expect(
                    backend.refusal(BackendCapability.MULTI_GROUP),
                    () -> toggled.setContainer(system.vmm(), container));
            return;
        }
        if (toggledIn) {
            expect(null, toggled::unsetContainer);
            toggledIn = false;
            if (window != null) {
                window.mapped.clear(); // detach clears every TCE of every window (spapr-tce Q8)
            }
        } else {
            expect(null, () -> toggled.setContainer(system.vmm(), container));
            toggledIn = true;
        }
    }

    /**
     * Runs {@code call}: it must succeed when {@code errno} is null, else fail with exactly that
     * errno and leave no trace.
     *
     * @return true if it succeeded
     */
    private boolean expect(Errno errno, ThrowingCallable call) {
        TckTrace before = system.trace(container);
        VfioException e = catchThrowableOfType(VfioException.class, call);
        if (errno == null) {
            if (e != null) {
                throw new AssertionError(
                        "unexpected refusal " + e.getMessage() + " at " + where, e);
            }
            return true;
        }
        assertThat(e).as("expected %s at %s", errno, where).isNotNull();
        assertThat(e.errno()).as("%s at %s", e.getMessage(), where).isEqualTo(errno);
        assertThat(system.trace(container))
                .as("a refused request leaves no trace, at %s", where)
                .isEqualTo(before);
        return false;
    }

    private void verify() {
        BackendState state = container.state().orElseThrow();
        if (type1 != null) {
            assertThat(system.lockedVm())
                    .as("locked_vm (domain=%s, model %s) at %s", domain(), type1, where)
                    .isEqualTo(type1.expectedLocked(domain()));
            assertThat(state.mappings()).as("mappings at %s", where).isEqualTo(type1.maps.size());
            assertThat(state.mappedBytes())
                    .as("mapped bytes at %s", where)
                    .isEqualTo(type1.mappedPages() * pageSize);
            assertThat(state.pinnedPages())
                    .as("pinned pages at %s", where)
                    .isEqualTo(type1.pinnedPages());
            assertThat(state.pinReferences())
                    .as("pin references at %s", where)
                    .isEqualTo(type1.pinReferences());
            if (vendor != null) {
                assertThat(vendor.held())
                        .as("the vendor's pins at %s", where)
                        .isEqualTo(type1.heldByIova(system));
            }
        } else if (window != null) {
            assertThat(system.lockedVm())
                    .as("MAP/UNMAP never change locked_vm after the first, at %s", where)
                    .isEqualTo(window.expectedLocked);
            assertThat(state.mappedBytes())
                    .as("mapped bytes at %s", where)
                    .isEqualTo(window.mapped.size() * pageSize);
        } else {
            assertThat(system.lockedVm()).as("locked_vm at %s", where).isZero();
            assertThat(state.mappings()).as("mappings at %s", where).isZero();
        }
        assertThat(system.vfio().invariants().check()).as("invariants at %s", where).isEmpty();
    }

    private void tearDown() {
        if (vendor != null) {
            permanent.device(permanent.devices().get(0).name()).close();
            assertThat(vendor.held()).as("the vendor unpinned everything on close").isEmpty();
        }
        if (toggledIn) {
            toggled.unsetContainer();
        }
        permanent.unsetContainer();
        TckAssertions.assertNothingHeld(system);
    }

    /** The SPAPR-style model: mapped pages replace each other; windows are charged once. */
    static final class WindowModel {
        final TreeSet<Integer> mapped = new TreeSet<>();
        long expectedLocked;
        private boolean used;

        WindowModel(long lockedAtStart) {
            this.expectedLocked = lockedAtStart;
        }

        void map(int page, int pages, long lockedNow) {
            firstUse(lockedNow);
            for (int p = page; p < page + pages; p++) {
                mapped.add(p);
            }
        }

        void unmap(int page, int pages, long lockedNow) {
            firstUse(lockedNow);
            mapped.subSet(page, page + pages).clear();
        }

        /** The first MAP or UNMAP may create (and charge) the default window; later ones never. */
        private void firstUse(long lockedNow) {
            if (!used) {
                used = true;
                expectedLocked = lockedNow;
            }
        }
    }
}
