package io.vfio4j.tck;

import static io.vfio4j.tck.BackendCapability.DIRTY_TRACKING;
import static io.vfio4j.tck.BackendCapability.DMA_MAPPING;
import static io.vfio4j.tck.BackendCapability.DMA_RW;
import static io.vfio4j.tck.BackendCapability.DMA_UNMAP_NOTIFICATION;
import static io.vfio4j.tck.BackendCapability.DMA_WINDOWS;
import static io.vfio4j.tck.BackendCapability.ENABLE_DISABLE;
import static io.vfio4j.tck.BackendCapability.EXTERNAL_PINNING;
import static io.vfio4j.tck.BackendCapability.GROUP_EMULATED;
import static io.vfio4j.tck.BackendCapability.GROUP_IOMMU;
import static io.vfio4j.tck.BackendCapability.GROUP_NO_IOMMU;
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
import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioIommuDriverOps;
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
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioGroup;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Behaviour per capability. Every test runs for every backend: a declared capability is checked for
 * what it does, an undeclared one for its refusal (the exact errno, no trace). The flows adapt to
 * the backend: type1-style mapping, SPAPR-style registration or enabling, and whichever group kinds
 * the backend takes.
 */
public interface BackendConformanceSuite extends BackendUnderTest {
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
                if (backend().supports(V2_UNMAP_SEMANTICS)) {
                    assertRefused(system, c, Errno.EINVAL, () -> system.unmap(c, iova, 4 * p));
                    assertRefused(
                            system, c, Errno.EINVAL, () -> system.unmap(c, system.iova(4), 4 * p));
                    assertThat(system.unmap(c, iova, 8 * p)).isEqualTo(8 * p);
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
    default void externalPinning() {
        try (TckSystem system = TckSystem.start(backend())) {
            long p = system.pageSize();
            if (backend().supports(EXTERNAL_PINNING)) {
                VfioContainer c = system.container(pinningKinds(backend()));
                system.prepareMapping(c);
                system.map(c, system.iova(0), 8 * p);
                VfioGroup mdev = system.group(GroupKind.EMULATED, 1);
                TckVendorDriver vendor = system.openVendor(mdev);
                long locked = system.lockedVm();
                assertThat(vendor.pin(system.iova(1), 2)).isEqualTo(2);
                assertThat(vendor.pin(system.iova(1), 1)).isEqualTo(1);
                BackendState s = c.state().orElseThrow();
                assertThat(s.pinnedPages()).as("distinct pages").isEqualTo(2);
                assertThat(s.pinReferences()).as("references").isEqualTo(3);
                if (backend().accepts(GroupKind.IOMMU)) {
                    assertThat(system.lockedVm())
                            .as("pages mapped through an IOMMU are charged once")
                            .isEqualTo(locked);
                }
                assertRefused(system, c, Errno.EINVAL, () -> vendor.pin(system.iova(100), 1));
                vendor.unpin(system.iova(1), 2);
                vendor.unpin(system.iova(1), 1);
                assertThat(c.state().orElseThrow().pinnedPages()).isZero();
                assertThat(system.lockedVm()).isEqualTo(locked);
                mdev.device(mdev.devices().get(0).name()).close();
                system.unmap(c, system.iova(0), 8 * p);
                for (VfioGroup g : c.groups()) {
                    g.unsetContainer();
                }
                assertNothingHeld(system);
                return;
            }
            Errno refusal = backend().refusal(EXTERNAL_PINNING);
            Optional<GroupKind> vendorKind = vendorKind(backend());
            if (vendorKind.isPresent()) {
                VfioContainer c = containerWithVendor(system, vendorKind.get());
                TckVendorDriver vendor = system.openVendor(system.group(vendorKind.get(), 1));
                assertRefused(system, c, refusal, () -> vendor.pin(system.iova(0), 1));
                if (backend().unpinIgnoredWhenUnsupported()) {
                    TckTrace before = system.trace(c);
                    vendor.device().unpinPages(system.iova(0), 1);
                    assertThat(system.trace(c)).isEqualTo(before);
                } else {
                    assertRefused(
                            system,
                            c,
                            refusal,
                            () -> vendor.device().unpinPages(system.iova(0), 1));
                }
            } else {
                // No group kind with a pinning device joins this backend: ask the SPI directly.
                TckSpi.Context ctx = TckSpi.Context.of(backend(), system.host());
                VfioIommuDriverOps ops = backend().provider().open(ctx);
                TckSpi.Group group =
                        new TckSpi.Group(
                                1,
                                GroupKind.IOMMU,
                                Optional.of(system.host().iommuGroup(1).orElseThrow()));
                ops.attachGroup(group);
                TckSpi.Device device = new TckSpi.Device("tck-device", group);
                VfioException pin =
                        org.assertj.core.api.Assertions.catchThrowableOfType(
                                VfioException.class,
                                () ->
                                        ops.pinPages(
                                                device,
                                                system.iova(0),
                                                1,
                                                DmaProt.RW,
                                                new long[1]));
                assertThat(pin).as("pin refused").isNotNull();
                assertThat(pin.errno()).isEqualTo(refusal);
                if (!backend().unpinIgnoredWhenUnsupported()) {
                    VfioException unpin =
                            org.assertj.core.api.Assertions.catchThrowableOfType(
                                    VfioException.class,
                                    () -> ops.unpinPages(device, system.iova(0), 1));
                    assertThat(unpin).as("unpin refused").isNotNull();
                    assertThat(unpin.errno()).isEqualTo(refusal);
                }
                assertThat(system.host().memory().totalPins()).isZero();
                assertThat(system.lockedVm()).isZero();
                ops.detachGroup(group);
                ops.release();
            }
            assertNoViolation(system);
        }
    }

    @Test
    default void dmaUnmapNotification() {
        try (TckSystem system = TckSystem.start(backend())) {
            long p = system.pageSize();
            if (backend().supports(DMA_UNMAP_NOTIFICATION)) {
                VfioContainer c = system.container(pinningKinds(backend()));
                system.prepareMapping(c);
                system.map(c, system.iova(0), 8 * p);
                TckVendorDriver vendor = system.openVendor(system.group(GroupKind.EMULATED, 1));
                vendor.pin(system.iova(2), 1);
                system.unmap(c, system.iova(0), 8 * p);
                assertThat(vendor.notifications()).isNotEmpty();
                assertThat(vendor.notifications())
                        .allSatisfy(
                                n ->
                                        assertThat(n.iova() + n.length())
                                                .isGreaterThan(system.iova(2)));
                if (backend().supports(TYPE1_MAPPING)) {
                    assertThat(vendor.notifications())
                            .as("told once, of the whole mapping")
                            .containsExactly(
                                    new TckVendorDriver.Notification(system.iova(0), 8 * p));
                }
                assertThat(vendor.held()).isEmpty();
                assertThat(c.state().orElseThrow().pinnedPages()).isZero();
                assertNoViolation(system);
                return;
            }
            Optional<GroupKind> vendorKind = vendorKind(backend());
            if (vendorKind.isPresent()) {
                VfioContainer c = containerWithVendor(system, vendorKind.get());
                TckVendorDriver vendor = system.openVendor(system.group(vendorKind.get(), 1));
                long iova = system.iova(0);
                if (backend().supports(EXTERNAL_PINNING)) {
                    system.prepareMapping(c);
                    system.map(c, iova, 4 * p);
                    vendor.pin(iova, 1);
                    vendor.unpin(iova, 1);
                    system.unmap(c, iova, 4 * p);
                } else if (backend().supports(DMA_MAPPING)) {
                    system.prepareMapping(c);
                    system.map(c, iova, 4 * p);
                    system.unmap(c, iova, 4 * p);
                } else {
                    assertRefused(
                            system,
                            c,
                            backend().refusal(DMA_MAPPING),
                            () -> system.map(c, iova, 4 * p));
                }
                assertThat(vendor.notifications()).as("never told").isEmpty();
            } else {
                TckSpi.Context ctx = TckSpi.Context.of(backend(), system.host());
                VfioIommuDriverOps ops = backend().provider().open(ctx);
                List<Long> told = new ArrayList<>();
                TckSpi.Group group = new TckSpi.Group(99, GroupKind.EMULATED, Optional.empty());
                ops.registerDevice(new TckSpi.Device("tck-device", group), (i, l) -> told.add(i));
                ops.unregisterDevice(new TckSpi.Device("tck-device", group));
                ops.release();
                assertThat(told).as("never told").isEmpty();
            }
            assertNoViolation(system);
        }
    }

    @Test
    default void dmaRw() {
        try (TckSystem system = TckSystem.start(backend())) {
            long p = system.pageSize();
            long iova = system.iova(0);
            byte[] data = "vfio4j-tck".getBytes(StandardCharsets.US_ASCII);
            if (backend().supports(DMA_RW)) {
                VfioContainer c = system.container(pinningKinds(backend()));
                system.prepareMapping(c);
                system.map(c, iova, p);
                VfioDevice device = system.openVendor(system.group(GroupKind.EMULATED, 1)).device();
                device.dmaRw(iova + 16, data, 0, data.length, true);
                assertThat(system.vmm().read(system.vaddrFor(iova) + 16, data.length))
                        .isEqualTo(data);
                byte[] back = new byte[data.length];
                device.dmaRw(iova + 16, back, 0, back.length, false);
                assertThat(back).isEqualTo(data);
                assertRefused(
                        system,
                        c,
                        Errno.EINVAL,
                        () -> device.dmaRw(system.iova(100), back, 0, back.length, false));
            } else {
                Optional<GroupKind> vendorKind = vendorKind(backend());
                VfioContainer c;
                VfioDevice device;
                if (vendorKind.isPresent()) {
                    c = containerWithVendor(system, vendorKind.get());
                    device = system.openVendor(system.group(vendorKind.get(), 1)).device();
                } else {
                    c = system.container(backend().primaryKind());
                    VfioGroup g = system.group(backend().primaryKind(), 1);
                    device = g.openDevice(g.devices().get(0).name());
                }
                assertRefused(
                        system,
                        c,
                        backend().refusal(DMA_RW),
                        () -> device.dmaRw(iova, data, 0, data.length, true));
                assertThat(system.vmm().read(system.vaddrFor(iova), data.length))
                        .isNotEqualTo(data);
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

    /** Group kinds of a container where a vendor device can pin: an IOMMU group if any, an mdev. */
    private static GroupKind[] pinningKinds(TckBackend backend) {
        return backend.accepts(GroupKind.IOMMU) && backend.supports(MULTI_GROUP)
                ? new GroupKind[] {GroupKind.IOMMU, GroupKind.EMULATED}
                : new GroupKind[] {GroupKind.EMULATED};
    }

    /** The kind of a group whose device has a DMA-unmap callback and joins this backend. */
    private static Optional<GroupKind> vendorKind(TckBackend backend) {
        if (backend.supports(GROUP_EMULATED)) {
            return Optional.of(GroupKind.EMULATED);
        }
        if (backend.supports(GROUP_NO_IOMMU)) {
            return Optional.of(GroupKind.NO_IOMMU);
        }
        return Optional.empty();
    }

    private static VfioContainer containerWithVendor(TckSystem system, GroupKind vendorKind) {
        TckBackend b = system.backend();
        if (vendorKind == GroupKind.EMULATED
                && b.supports(GROUP_IOMMU)
                && b.supports(MULTI_GROUP)) {
            return system.container(GroupKind.IOMMU, GroupKind.EMULATED);
        }
        return system.container(vendorKind);
    }
}
