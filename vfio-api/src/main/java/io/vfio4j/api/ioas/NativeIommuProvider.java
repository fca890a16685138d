package io.vfio4j.api.ioas;

/**
 * Optional second face of a {@link io.vfio4j.api.VfioIommuDriverProvider}: the provider also opens
 * device-centric IOMMU contexts (Linux's {@code /dev/iommu}). The runtime checks for it with {@code
 * instanceof} on the discovered providers, so a backend without it is unaffected (SPI 1.5).
 */
public interface NativeIommuProvider {
    /**
     * Opens one context (one open of {@code /dev/iommu}): empty, in per-user accounting mode.
     *
     * @throws io.vfio4j.api.VfioConfigurationException if a setting has a malformed value
     */
    NativeIommuOps openNative(NativeContext context);
}
