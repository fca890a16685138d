package io.vfio4j.tck;

import static io.vfio4j.tck.BackendCapability.DIRTY_TRACKING;
import static io.vfio4j.tck.BackendCapability.DMA_MAPPING;
import static io.vfio4j.tck.BackendCapability.DMA_WINDOWS;
import static io.vfio4j.tck.BackendCapability.ENABLE_DISABLE;
import static io.vfio4j.tck.BackendCapability.IOMMU_INFO;
import static io.vfio4j.tck.BackendCapability.MEMORY_REGISTRATION;
import static io.vfio4j.tck.BackendCapability.MULTI_GROUP;
import static io.vfio4j.tck.BackendCapability.TYPE1_MAPPING;
import static io.vfio4j.tck.BackendCapability.V2_UNMAP_SEMANTICS;
import static io.vfio4j.tck.TckAssertions.assertNoViolation;
import static io.vfio4j.tck.TckAssertions.assertNothingHeld;
import static io.vfio4j.tck.TckAssertions.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.BackendState;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.command.DirtyPages;
import io.vfio4j.api.command.GetInfo;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprDisable;
import io.vfio4j.api.command.SpaprEnable;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.SpaprTceCreate;
import io.vfio4j.api.command.SpaprTceRemove;
import io.vfio4j.api.command.SpaprUnregisterMemory;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioGroup;
import org.junit.jupiter.api.Test;

/**
 * Behaviour per capability. Every test runs for every backend: a declared capability is checked for
 * what it does, an undeclared one for its refusal (the exact errno, no trace). The flows adapt to
 * the backend: type1-style mapping, SPAPR-style registration or enabling, and whichever group kinds
 * the backend takes. The vendor-driver capabilities are in {@link VendorConformanceSuite}.
 */
public interface BackendConformanceSuite extends VendorConformanceSuite {
    @Test
    default void setIommuSelectsTheBackendAndTheLastGroupLeavingReleasesIt() {
        try (TckSystem system = TckSystem.start(backend())) {
            VfioContainer c = system.container(backend().primaryKind());
            assertThat(c.backendName()).contains(backend().provider().name());
            assertThat(c.iommuType()).contains(backend().type());
            assertRefused(
                    system, c, Errno.ENOTTY, () -> c.ioctl(system.vmm(), new TckUnknownCommand()));
            system.group(backend().primaryKind(), 1).unsetContainer();
            assertThat(c.backendName()).isEmpty();
            assertNothingHeld(system);
        }
    }

    @Test
    default void groupKinds() {
        for (GroupKind kind : GroupKind.values()) {
            try (TckSystem system = TckSystem.start(backend())) {
                if (backend().accepts(kind)) {
                    VfioContainer c = system.container(kind);
                    assertThat(c.groups()).hasSize(1);
                    system.group(kind, 1).unsetContainer();
                    assertThat(c.backendName()).as("released").isEmpty();
                } else {
                    VfioContainer c = system.container(backend().primaryKind());
                    VfioGroup other = system.group(kind, kind == backend().primaryKind() ? 2 : 1);
                    assertRefused(
                            system,
                            c,
                            backend().refusal(TckBackend.groupCapability(kind)),
                            () -> other.setContainer(system.vmm(), c));
                    assertThat(other.container()).as("%s stays outside", kind).isEmpty();
                    system.group(backend().primaryKind(), 1).unsetContainer();
                }
                assertNothingHeld(system);
            }
        }
    }

    @Test
    default void multipleGroups() {
        try (TckSystem system = TckSystem.start(backend())) {
            GroupKind kind = backend().primaryKind();
            VfioContainer c = system.container(kind);
            VfioGroup second = system.group(kind, 2);
            if (backend().supports(MULTI_GROUP)) {
                second.setContainer(system.vmm(), c);
                assertThat(c.groups()).hasSize(2);
                system.group(kind, 1).unsetContainer();
                assertThat(c.backendName()).as("one group left").isPresent();
                second.unsetContainer();
            } else {
                assertRefused(
                        system,
                        c,
                        backend().refusal(MULTI_GROUP),
                        () -> second.setContainer(system.vmm(), c));
                system.group(kind, 1).unsetContainer();
            }
            assertNothingHeld(system);
        }
    }

    @Test
    default void dmaMapping() {
        try (TckSystem system = TckSystem.start(backend())) {
            VfioContainer c = system.container(backend().primaryKind());
            long size = 4 * system.pageSize();
            long iova = system.iova(0);
            if (backend().supports(DMA_MAPPING)) {
                system.prepareMapping(c);
                // Warm up: a lazily created window (SPAPR's default) is charged on first use.
                system.map(c, iova, size);
                system.unmap(c, iova, size);
                TckTrace baseline = system.trace(c);
                system.map(c, iova, size);
                assertThat(c.state().orElseThrow().mappedBytes()).isEqualTo(size);
                system.unmap(c, iova, size);
                assertThat(system.trace(c)).isEqualTo(baseline);
            } else {
                Errno e = backend().refusal(DMA_MAPPING);
                assertRefused(system, c, e, () -> system.map(c, iova, size));
                assertRefused(system, c, e, () -> system.unmap(c, iova, size));
            }
            system.group(backend().primaryKind(), 1).unsetContainer();
            assertNothingHeld(system);
        }
    }

    @Test
    default void type1Mapping() {
        try (TckSystem system = TckSystem.start(backend())) {
            VfioContainer c = system.container(backend().primaryKind());
            long p = system.pageSize();
            long iova = system.iova(0);
            if (backend().supports(TYPE1_MAPPING)) {
                long vaddr = system.vaddrFor(iova);
                BackendState initial = c.state().orElseThrow();
                Errno inval = Errno.EINVAL;
                assertRefused(system, c, inval, () -> system.map(c, iova, 0));
                assertRefused(system, c, inval, () -> system.map(c, iova + 0x800, p));
                assertRefused(
                        system,
                        c,
                        inval,
                        () -> c.ioctl(system.vmm(), MapDma.of(vaddr, iova, p, 0)));
                assertRefused(
                        system,
                        c,
                        inval,
                        () ->
                                c.ioctl(
                                        system.vmm(),
                                        new MapDma(
                                                MapDma.MIN_ARGSZ - 1,
                                                MapDma.READ | MapDma.WRITE,
                                                vaddr,
                                                iova,
                                                p)));
                system.map(c, iova, 4 * p);
                system.map(c, system.iova(4), 4 * p);
                BackendState two = c.state().orElseThrow();
                assertThat(two.mappings()).as("adjacent mappings are never merged").isEqualTo(2);
                assertThat(two.mappedBytes()).isEqualTo(8 * p);
                if (initial.dmaAvail() >= 0) {
                    assertThat(two.dmaAvail()).isEqualTo(initial.dmaAvail() - 2);
                }
                assertRefused(system, c, Errno.EEXIST, () -> system.map(c, system.iova(2), 4 * p));
                if (backend().primaryKind() == GroupKind.IOMMU) {
                    assertThat(system.lockedVm()).as("pinned at map time").isEqualTo(8);
                }
                assertThat(system.unmap(c, system.iova(100), 4 * p)).as("nothing there").isZero();
                assertThat(system.unmap(c, iova, 8 * p)).isEqualTo(8 * p);
                assertThat(c.state().orElseThrow()).isEqualTo(initial);
            } else if (backend().supports(DMA_MAPPING)) {
                // Not type1: an overlapping MAP is not refused as a duplicate record.
                system.prepareMapping(c);
                system.map(c, iova, 4 * p);
                system.map(c, iova, 4 * p);
                system.unmap(c, iova, 4 * p);
                assertThat(c.state().orElseThrow().mappedBytes()).isZero();
            } else {
                assertRefused(
                        system, c, backend().refusal(DMA_MAPPING), () -> system.map(c, iova, p));
            }
            system.group(backend().primaryKind(), 1).unsetContainer();
            assertNothingHeld(system);
        }
    }

    @Test
    default void v2UnmapSemantics() {
        try (TckSystem system = TckSystem.start(backend())) {
            VfioContainer c = system.container(backend().primaryKind());
            long p = system.pageSize();
            long iova = system.iova(0);
            if (backend().supports(TYPE1_MAPPING)) {
                system.map(c, iova, 8 * p);
                Errno bisect = backend().mappingRules().bisect();
                if (backend().supports(V2_UNMAP_SEMANTICS)) {
                    assertRefused(system, c, bisect, () -> system.unmap(c, iova, 4 * p));
                    assertRefused(system, c, bisect, () -> system.unmap(c, system.iova(4), 4 * p));
                    assertThat(system.unmap(c, iova, 8 * p)).isEqualTo(8 * p);
                } else if (backend().mappingRules().holePunching()) {
                    // v1 emulated by cutting: exactly the pages asked for go.
                    assertThat(system.unmap(c, iova, p)).isEqualTo(p);
                    assertThat(c.state().orElseThrow().mappedBytes()).isEqualTo(7 * p);
                    assertThat(system.unmap(c, system.iova(1), 7 * p)).isEqualTo(7 * p);
                } else {
                    // v1: a request covering a mapping's first IOVA removes the whole mapping.
                    assertThat(system.unmap(c, iova, p)).isEqualTo(8 * p);
                }
                assertThat(c.state().orElseThrow().mappings()).isZero();
            } else if (backend().supports(DMA_MAPPING)) {
                system.prepareMapping(c);
                system.map(c, iova, 8 * p);
                system.unmap(c, iova, 4 * p);
                assertThat(c.state().orElseThrow().mappedBytes()).isEqualTo(4 * p);
                system.unmap(c, system.iova(4), 4 * p);
            } else {
                assertRefused(
                        system, c, backend().refusal(DMA_MAPPING), () -> system.unmap(c, iova, p));
            }
            system.group(backend().primaryKind(), 1).unsetContainer();
            assertNothingHeld(system);
        }
    }

    @Test
    default void iommuInfo() {
        try (TckSystem system = TckSystem.start(backend())) {
            VfioContainer c = system.container(backend().primaryKind());
            if (backend().supports(IOMMU_INFO)) {
                GetInfo.Info info = c.ioctl(system.vmm(), GetInfo.full());
                assertThat(info.flags() & GetInfo.FLAG_PGSIZES).isNotZero();
                assertThat(Long.lowestOneBit(info.pageSizes()))
                        .as("smallest page size is the host page")
                        .isEqualTo(system.pageSize());
                assertRefused(
                        system,
                        c,
                        Errno.EINVAL,
                        () -> c.ioctl(system.vmm(), new GetInfo(GetInfo.MIN_ARGSZ - 1)));
            } else {
                assertRefused(
                        system,
                        c,
                        backend().refusal(IOMMU_INFO),
                        () -> c.ioctl(system.vmm(), GetInfo.full()));
            }
        }
    }

    @Test
    default void dirtyTracking() {
        try (TckSystem system = TckSystem.start(backend())) {
            VfioContainer c = system.container(backend().primaryKind());
            if (backend().supports(DIRTY_TRACKING)) {
                c.ioctl(system.vmm(), DirtyPages.start());
                c.ioctl(system.vmm(), DirtyPages.stop());
                assertNoViolation(system);
            } else {
                assertRefused(
                        system,
                        c,
                        backend().refusal(DIRTY_TRACKING),
                        () -> c.ioctl(system.vmm(), DirtyPages.start()));
            }
        }
    }

    @Test
    default void enableDisable() {
        try (TckSystem system = TckSystem.start(backend())) {
            VfioContainer c = system.container(backend().primaryKind());
            if (backend().supports(ENABLE_DISABLE)) {
                long before = system.lockedVm();
                c.ioctl(system.vmm(), new SpaprEnable());
                assertThat(system.lockedVm()).as("ENABLE charges the window").isGreaterThan(before);
                assertRefused(
                        system, c, Errno.EBUSY, () -> c.ioctl(system.vmm(), new SpaprEnable()));
                c.ioctl(system.vmm(), new SpaprDisable());
                assertThat(system.lockedVm()).isEqualTo(before);
            } else {
                Errno e = backend().refusal(ENABLE_DISABLE);
                assertRefused(system, c, e, () -> c.ioctl(system.vmm(), new SpaprEnable()));
                assertRefused(system, c, e, () -> c.ioctl(system.vmm(), new SpaprDisable()));
            }
        }
    }

    @Test
    default void memoryRegistration() {
        try (TckSystem system = TckSystem.start(backend())) {
            VfioContainer c = system.container(backend().primaryKind());
            long size = 16 * system.pageSize();
            SpaprRegisterMemory register = SpaprRegisterMemory.of(TckSystem.RAM_VADDR, size);
            SpaprUnregisterMemory unregister = SpaprUnregisterMemory.of(TckSystem.RAM_VADDR, size);
            if (backend().supports(MEMORY_REGISTRATION)) {
                long before = system.lockedVm();
                c.ioctl(system.vmm(), register);
                assertThat(system.lockedVm()).isEqualTo(before + 16);
                assertRefused(system, c, Errno.EBUSY, () -> c.ioctl(system.vmm(), register));
                c.ioctl(system.vmm(), unregister);
                assertThat(system.lockedVm()).isEqualTo(before);
                assertThat(system.host().memory().totalPins()).isZero();
            } else {
                Errno e = backend().refusal(MEMORY_REGISTRATION);
                assertRefused(system, c, e, () -> c.ioctl(system.vmm(), register));
                assertRefused(system, c, e, () -> c.ioctl(system.vmm(), unregister));
            }
        }
    }

    @Test
    default void dmaWindows() {
        try (TckSystem system = TckSystem.start(backend())) {
            VfioContainer c = system.container(backend().primaryKind());
            SpaprTceCreate create = SpaprTceCreate.of(system.host().pageShift(), 1L << 30, 1);
            if (backend().supports(DMA_WINDOWS)) {
                // Cancel the pending default window so the new one is the only charge.
                c.ioctl(system.vmm(), SpaprTceRemove.of(0));
                long before = system.lockedVm();
                long start = c.ioctl(system.vmm(), create);
                assertThat(system.lockedVm()).as("the table is charged").isGreaterThan(before);
                c.ioctl(system.vmm(), SpaprTceRemove.of(start));
                assertThat(system.lockedVm()).isEqualTo(before);
            } else {
                Errno e = backend().refusal(DMA_WINDOWS);
                assertRefused(system, c, e, () -> c.ioctl(system.vmm(), create));
                assertRefused(system, c, e, () -> c.ioctl(system.vmm(), SpaprTceRemove.of(0)));
            }
        }
    }
}
