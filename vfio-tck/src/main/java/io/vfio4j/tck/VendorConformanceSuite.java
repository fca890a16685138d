package io.vfio4j.tck;

import static io.vfio4j.tck.BackendCapability.DMA_MAPPING;
import static io.vfio4j.tck.BackendCapability.DMA_RW;
import static io.vfio4j.tck.BackendCapability.DMA_UNMAP_NOTIFICATION;
import static io.vfio4j.tck.BackendCapability.EXTERNAL_PINNING;
import static io.vfio4j.tck.BackendCapability.GROUP_EMULATED;
import static io.vfio4j.tck.BackendCapability.GROUP_IOMMU;
import static io.vfio4j.tck.BackendCapability.GROUP_NO_IOMMU;
import static io.vfio4j.tck.BackendCapability.MULTI_GROUP;
import static io.vfio4j.tck.BackendCapability.TYPE1_MAPPING;
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
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioGroup;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Behaviour of the vendor-driver capabilities, per backend as in {@link BackendConformanceSuite}
 * (which extends this): external pinning, DMA-unmap notification, DMA read/write. A declared
 * capability is checked for what it does, an undeclared one for its refusal.
 */
public interface VendorConformanceSuite extends BackendUnderTest {
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
                assertRefused(
                        system,
                        c,
                        backend().mappingRules().unmappedIova(),
                        () -> vendor.pin(system.iova(100), 1));
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
                        backend().mappingRules().unmappedIova(),
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
