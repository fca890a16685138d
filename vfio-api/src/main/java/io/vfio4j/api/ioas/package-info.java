/**
 * The device-centric IOMMU API (SPI 1.5), next to the container one: an I/O address space (IOAS)
 * context as Linux's {@code /dev/iommu} offers it, with page tables (HWPTs) and bound devices. A
 * backend offers it by making its provider also implement {@link
 * io.vfio4j.api.ioas.NativeIommuProvider}; the runtime finds it like any other provider and never
 * names the backend. See docs/reference/architecture.md and docs/reference/iommufd.md §2.
 */
package io.vfio4j.api.ioas;
