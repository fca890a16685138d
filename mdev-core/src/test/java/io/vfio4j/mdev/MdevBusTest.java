package io.vfio4j.mdev;

import static io.vfio4j.mdev.Errnos.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.core.VfioGroup;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Parents, types, available_instances, create and remove (mdev_core.c, mdev_sysfs.c). */
class MdevBusTest {
    private static final UUID U1 = UUID.fromString("83b8f4f2-509f-382f-3c1e-e6bfe0fa1001");
    private static final UUID U2 = UUID.fromString("83b8f4f2-509f-382f-3c1e-e6bfe0fa1002");
    private static final UUID U3 = UUID.fromString("83b8f4f2-509f-382f-3c1e-e6bfe0fa1003");

    private final MdevTestBed bed = new MdevTestBed();

    @Test
    void typesAreNamedDriverDashTypeAndStartWithTheirInstanceCount() {
        assertThat(bed.parent.types())
                .extracting(MdevType::name, MdevType::description, MdevType::availableInstances)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "tvgpu-small", "a small test device", 4),
                        org.assertj.core.groups.Tuple.tuple("tvgpu-big", "a big test device", 1));
        assertThat(bed.bus.parent(MdevTestBed.PARENT)).containsSame(bed.parent);
        assertThat(bed.small.sysfsName()).isEqualTo("small");
    }

    @Test
    void createAndRemoveKeepAvailableInstancesExact() {
        MdevDevice a = bed.bus.create(bed.small, U1);
        assertThat(bed.small.availableInstances()).isEqualTo(3);
        MdevDevice b = bed.bus.create(bed.small, U2);
        assertThat(bed.small.availableInstances()).isEqualTo(2);
        assertThat(bed.big.availableInstances()).isEqualTo(1);
        assertThat(bed.small.devices()).containsExactly(a, b);

        bed.bus.remove(U1);
        assertThat(bed.small.availableInstances()).isEqualTo(3);
        assertThat(a.isRemoved()).isTrue();
        bed.bus.remove(U2);
        assertThat(bed.small.availableInstances()).isEqualTo(4);
        assertThat(bed.bus.devices()).isEmpty();
        assertThat(bed.vendor.calls)
                .containsExactly("create " + U1, "create " + U2, "remove " + U1, "remove " + U2);
    }

    @Test
    void eachMdevSitsAloneInAnEmulatedGroupNamedByItsUuid() {
        MdevDevice d = bed.bus.create(bed.small, U1);
        VfioGroup g = d.group();
        assertThat(g.kind()).isEqualTo(GroupKind.EMULATED);
        assertThat(g.iommuGroup()).isEmpty();
        assertThat(g.devices()).extracting(x -> x.name()).containsExactly(U1.toString());
        assertThat(d.name()).isEqualTo("83b8f4f2-509f-382f-3c1e-e6bfe0fa1001");
        assertThat(bed.vfio.groups()).contains(g);

        g.setContainer(bed.qemu, bed.container);
        bed.container.setIommu(IommuType.TYPE1v2);
        assertThat(bed.backend.calls).containsExactly("attach EMULATED");

        g.unsetContainer();
        bed.bus.remove(U1);
        assertThat(bed.vfio.groups()).doesNotContain(g);
    }

    @Test
    void aUuidInUseGivesEexistAndLeavesNoTrace() {
        bed.bus.create(bed.small, U1);
        int groups = bed.vfio.groups().size();
        assertErrno(() -> bed.bus.create(bed.small, U1), Errno.EEXIST);
        // The UUID space is host-wide: another type does not help.
        assertErrno(() -> bed.bus.create(bed.big, U1), Errno.EEXIST);
        assertThat(bed.small.availableInstances()).isEqualTo(3);
        assertThat(bed.big.availableInstances()).isEqualTo(1);
        assertThat(bed.vfio.groups()).hasSize(groups);
        assertThat(bed.vendor.calls).containsExactly("create " + U1);
    }

    @Test
    void aTypeWithNoInstanceLeftGivesEusersAndLeavesNoTrace() {
        bed.bus.create(bed.big, U1);
        assertThat(bed.big.availableInstances()).isZero();
        int groups = bed.vfio.groups().size();

        assertErrno(() -> bed.bus.create(bed.big, U2), Errno.EUSERS);

        assertThat(Errno.EUSERS.number()).isEqualTo(87);
        assertThat(bed.big.availableInstances()).isZero();
        assertThat(bed.bus.device(U2)).isEmpty();
        assertThat(bed.vfio.groups()).hasSize(groups);
        assertThat(bed.vendor.calls).containsExactly("create " + U1);

        bed.bus.remove(U1);
        assertThat(bed.bus.create(bed.big, U2).type()).isSameAs(bed.big);
    }

    @Test
    void removingAnUnknownUuidGivesEnodev() {
        assertErrno(() -> bed.bus.remove(U3), Errno.ENODEV);
        MdevDevice d = bed.bus.create(bed.small, U1);
        bed.bus.remove(U1);
        assertErrno(() -> bed.bus.remove(U1), Errno.ENODEV);
        assertErrno(() -> bed.bus.surpriseRemove(U1), Errno.ENODEV);
        assertThat(d.isRemoved()).isTrue();
        assertThat(bed.small.availableInstances()).isEqualTo(4);
    }

    @Test
    void theSysfsCreateAttributeParsesUuidsStrictly() {
        MdevDevice d = bed.bus.create(bed.small, "83B8F4F2-509F-382F-3C1E-E6BFE0FA1001\n");
        assertThat(d.uuid()).isEqualTo(U1);
        assertThat(d.name()).isEqualTo(U1.toString());
        assertErrno(() -> bed.bus.create(bed.small, "1-2-3-4-5"), Errno.EINVAL);
        assertErrno(() -> bed.bus.create(bed.small, "not a uuid"), Errno.EINVAL);
        assertThat(bed.small.availableInstances()).isEqualTo(3);
    }

    @Test
    void aUuidIsTheSameUuidInAnyLetterCase() {
        // mdev_device_create compares the guid_t that create_store parsed, not the text.
        MdevDevice d = bed.bus.create(bed.small, "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001");
        int groups = bed.vfio.groups().size();
        assertErrno(
                () -> bed.bus.create(bed.small, "83B8F4F2-509F-382F-3C1E-E6BFE0FA1001"),
                Errno.EEXIST);
        assertErrno(
                () -> bed.bus.create(bed.big, "83b8F4f2-509F-382f-3C1e-E6bfE0fA1001\n"),
                Errno.EEXIST);
        assertThat(bed.small.availableInstances()).isEqualTo(3);
        assertThat(bed.big.availableInstances()).isEqualTo(1);
        assertThat(bed.vfio.groups()).hasSize(groups);
        assertThat(bed.bus.device(UUID.fromString("83B8F4F2-509F-382F-3C1E-E6BFE0FA1001")))
                .containsSame(d);
        bed.bus.remove(UUID.fromString("83B8F4F2-509F-382F-3C1E-E6BFE0FA1001"));
        assertThat(d.isRemoved()).isTrue();
        assertThat(bed.small.availableInstances()).isEqualTo(4);
    }

    @Test
    void malformedUuidTextIsEinvalAndLeavesNoTrace() {
        int groups = bed.vfio.groups().size();
        for (String bad :
                List.of(
                        "",
                        "83b8f4f2-509f-382f-3c1e-e6bfe0fa100",
                        "83b8f4f2-509f-382f-3c1e-e6bfe0fa10011",
                        "83b8f4f2509f-382f-3c1e-e6bfe0fa1001-",
                        "83b8f4f2-509f-382f-3c1e-e6bfe0fa100g",
                        "{83b8f4f2-509f-382f-3c1e-e6bfe0fa1001}",
                        " 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001",
                        "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001\n\n")) {
            assertErrno(() -> bed.bus.create(bed.small, bad), Errno.EINVAL);
        }
        assertThat(bed.small.availableInstances()).isEqualTo(4);
        assertThat(bed.vfio.groups()).hasSize(groups);
        assertThat(bed.bus.devices()).isEmpty();
    }

    @Test
    void aVendorThatRefusesTheCreateLeavesNoTrace() {
        bed.vendor.refuseCreate = true;
        int groups = bed.vfio.groups().size();
        assertErrno(() -> bed.bus.create(bed.small, U1), Errno.ENOSPC);
        assertThat(bed.small.availableInstances()).isEqualTo(4);
        assertThat(bed.bus.devices()).isEmpty();
        assertThat(bed.parent.devices()).isEmpty();
        assertThat(bed.vfio.groups()).hasSize(groups);
        bed.vendor.refuseCreate = false;
        assertThat(bed.bus.create(bed.small, U1).uuid()).isEqualTo(U1);
    }

    @Test
    void anOpenDeviceOrOneStillInAContainerCannotBeRemovedButASurpriseRemovalClosesIt() {
        bed.vendor.pins = false;
        MdevDevice d = bed.bus.create(bed.small, U1);
        d.group().setContainer(bed.qemu, bed.container);
        bed.container.setIommu(IommuType.TYPE1v2);
        d.group().openDevice(d.name());

        assertErrno(() -> bed.bus.remove(U1), Errno.EBUSY);
        assertThat(d.isOpen()).isTrue();
        assertThat(bed.small.availableInstances()).isEqualTo(3);

        d.vfioDevice().close();
        assertErrno(() -> bed.bus.remove(U1), Errno.EBUSY);
        assertThat(d.group().container()).isPresent();

        d.group().openDevice(d.name());
        bed.bus.surpriseRemove(U1);
        assertThat(d.isRemoved()).isTrue();
        assertThat(bed.container.groups()).isEmpty();
        assertThat(bed.small.availableInstances()).isEqualTo(4);
        assertThat(bed.vendor.calls)
                .containsExactly(
                        "create " + U1,
                        "open " + U1,
                        "close " + U1,
                        "open " + U1,
                        "close " + U1,
                        "remove " + U1);
    }

    @Test
    void unregisteringAParentRemovesItsChildrenInCreationOrderClosingOpenOnes() {
        bed.vendor.pins = false;
        bed.bus.create(bed.small, U2);
        MdevDevice open = bed.bus.create(bed.big, U1);
        bed.bus.create(bed.small, U3);
        open.group().setContainer(bed.qemu, bed.container);
        bed.container.setIommu(IommuType.TYPE1v2);
        open.group().openDevice(open.name());

        bed.bus.unregisterParent(bed.parent);

        assertThat(bed.vendor.calls)
                .containsExactly(
                        "create " + U2,
                        "create " + U1,
                        "create " + U3,
                        "open " + U1,
                        "remove " + U2,
                        "close " + U1,
                        "remove " + U1,
                        "remove " + U3);
        assertThat(bed.bus.devices()).isEmpty();
        assertThat(bed.bus.parents()).isEmpty();
        assertThat(bed.parent.isRegistered()).isFalse();
        assertThat(bed.container.groups()).isEmpty();
        assertErrno(() -> bed.bus.create(bed.small, U1), Errno.ENODEV);
        assertErrno(() -> bed.bus.unregisterParent(bed.parent), Errno.ENODEV);
    }

    @Test
    void parentRegistrationIsChecked() {
        assertErrno(
                () ->
                        bed.bus.registerParent(
                                MdevTestBed.PARENT,
                                bed.vendor,
                                List.of(new MdevTypeSpec("x", "x", 1))),
                Errno.EEXIST);
        assertErrno(
                () -> bed.bus.registerParent("0000:66:00.0", bed.vendor, List.of()), Errno.EINVAL);
        assertErrno(
                () ->
                        bed.bus.registerParent(
                                "0000:66:00.0",
                                bed.vendor,
                                List.of(
                                        new MdevTypeSpec("x", "one", 1),
                                        new MdevTypeSpec("x", "two", 1))),
                Errno.EINVAL);
        MdevVendorDriver badName =
                new MdevVendorDriver() {
                    @Override
                    public String name() {
                        return "Bad Name";
                    }

                    @Override
                    public MdevDeviceOps create(MdevDevice device) {
                        throw new AssertionError();
                    }
                };
        assertErrno(
                () ->
                        bed.bus.registerParent(
                                "0000:66:00.0", badName, List.of(new MdevTypeSpec("x", "x", 1))),
                Errno.EINVAL);
        assertThat(bed.bus.parents()).containsExactly(bed.parent);
        assertErrno(() -> bed.parent.requireType("tvgpu-huge"), Errno.ENOENT);
    }

    @Test
    void twoParentsOfOneDriverHaveTypesOfTheSameNameWithSeparateCounts() {
        MdevParent second =
                bed.bus.registerParent(
                        "0000:66:00.0", bed.vendor, List.of(new MdevTypeSpec("big", "big", 1)));
        MdevType big2 = second.requireType("tvgpu-big");
        bed.bus.create(bed.big, U1);
        assertThat(big2.availableInstances()).isEqualTo(1);
        MdevDevice d = bed.bus.create(big2, U2);
        assertThat(d.parent()).isSameAs(second);
        assertThat(second.devices()).containsExactly(d);
        assertThat(bed.big.availableInstances()).isZero();
        assertThat(big2.availableInstances()).isZero();
    }

    @Test
    void theRegisterSpaceIsReachableOnlyWhileOpenAndOnlyInsideTheRegion() {
        bed.vendor.pins = false;
        MdevDevice d = bed.bus.create(bed.small, U1);
        assertErrno(() -> d.regionRead(0, 4), Errno.EINVAL);
        d.group().setContainer(bed.qemu, bed.container);
        bed.container.setIommu(IommuType.TYPE1v2);
        d.group().openDevice(d.name());

        d.regionWrite(16, new byte[] {1, 2, 3});
        assertThat(d.regionRead(15, 5)).containsExactly(0, 1, 2, 3, 0);
        assertThat(d.regionSize()).isEqualTo(TestVendor.REGION);
        assertErrno(() -> d.regionRead(TestVendor.REGION - 2, 4), Errno.EINVAL);
        assertErrno(() -> d.regionWrite(-1, new byte[1]), Errno.EINVAL);
        assertErrno(() -> d.regionRead(0, 0), Errno.EINVAL);

        bed.bus.surpriseRemove(U1);
        assertErrno(() -> d.regionRead(0, 4), Errno.ENODEV);
    }
}
