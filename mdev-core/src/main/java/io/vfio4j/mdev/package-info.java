/**
 * Mediated devices (mdev): vendor drivers, parent devices and types, devices created and removed by
 * UUID, and hot plug into a running VM.
 *
 * <p>For a vendor author, the whole contract is in {@link io.vfio4j.mdev.MdevVendorDriver} and
 * {@link io.vfio4j.mdev.MdevDeviceOps}; {@link io.vfio4j.mdev.PinnedPages} does the bookkeeping a
 * pinning device needs. For a VMM or a test, start at {@link io.vfio4j.mdev.MdevBus} (one per
 * {@link io.vfio4j.core.Vfio}: {@link io.vfio4j.mdev.MdevBus#of}, with the vendor drivers bound in
 * Guice modules through {@link io.vfio4j.mdev.MdevModule}) and {@link io.vfio4j.mdev.HotPlug}.
 * Tests, the conformance kit and the scenario engine drive devices by hand through {@link
 * io.vfio4j.mdev.ScriptedVendor}, whose devices honour or break the pinning contract as their
 * {@link io.vfio4j.mdev.VendorBehaviour} says.
 *
 * <p>Each mediated device sits alone in an emulated VFIO group ({@link
 * io.vfio4j.api.GroupKind#EMULATED}) that userspace attaches to a container like any group; the
 * container's IOMMU backend then accounts the pages the device pins (docs/reference/type1-mdev.md
 * docs/reference/type1-mdev.md §3, §4).
 */
package io.vfio4j.mdev;
