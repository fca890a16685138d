package io.vfio4j.iommufd;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.VfioConfigurationException;
import java.util.Locale;
import java.util.Set;

/**
 * The settings of the iommufd backend ({@code vfio4j.backend.iommufd.<key>}).
 *
 * @param accounting whose counter a mapping is charged to (docs/reference/iommufd.md §3): {@link
 *     Accounting#MM} for a container opened as {@code /dev/vfio/vfio} (the default), {@link
 *     Accounting#USER} for an {@code /dev/iommu} context used as the container
 * @param deviceMemory what mapping device memory (a PFNMAP BAR) does
 * @param emptyUnmapEnoent true for a kernel without the 6.18 compat fix (afb47765f923): an unmap of
 *     a range holding nothing fails with ENOENT instead of succeeding with size 0
 * @param allowUnsafeInterrupts the vfio module parameter: bind a group whose IOMMU does not remap
 *     interrupts instead of refusing it with EPERM
 */
record IommufdSettings(
        Accounting accounting,
        DeviceMemory deviceMemory,
        boolean emptyUnmapEnoent,
        boolean allowUnsafeInterrupts) {
    static final String ACCOUNTING = "accounting";
    static final String DEVICE_MEMORY = "device-memory";
    static final String EMPTY_UNMAP_ENOENT = "empty-unmap-enoent";
    static final String ALLOW_UNSAFE_INTERRUPTS = "allow-unsafe-interrupts";

    static final Set<String> KEYS =
            Set.of(ACCOUNTING, DEVICE_MEMORY, EMPTY_UNMAP_ENOENT, ALLOW_UNSAFE_INTERRUPTS);

    /** The accounting mode of a context (IOPT_PAGES_ACCOUNT_MM or _USER). */
    enum Accounting {
        MM,
        USER
    }

    /** Mapping VM_PFNMAP memory (docs/reference/iommufd.md §3, A9). */
    enum DeviceMemory {
        /** Mainline: long-term GUP refuses the range, the fill fails with EFAULT. */
        EFAULT,
        /** NVIDIA downstream kernels before their fix: mapped and charged like RAM. */
        CHARGED,
        /** NVIDIA downstream after the fix (and the 6.19 dma-buf path): mapped, never charged. */
        UNCHARGED
    }

    static IommufdSettings defaults() {
        return new IommufdSettings(Accounting.MM, DeviceMemory.EFAULT, false, false);
    }

    static IommufdSettings from(BackendSettings s) {
        return new IommufdSettings(
                parse(s, ACCOUNTING, Accounting.class, Accounting.MM),
                parse(s, DEVICE_MEMORY, DeviceMemory.class, DeviceMemory.EFAULT),
                s.getBoolean(EMPTY_UNMAP_ENOENT, false),
                s.getBoolean(ALLOW_UNSAFE_INTERRUPTS, false));
    }

    private static <E extends Enum<E>> E parse(
            BackendSettings s, String key, Class<E> type, E fallback) {
        String v = s.get(key, null);
        if (v == null) {
            return fallback;
        }
        StringBuilder names = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            String name = e.name().toLowerCase(Locale.ROOT);
            if (name.equals(v.trim().toLowerCase(Locale.ROOT))) {
                return e;
            }
            names.append(names.length() == 0 ? "" : ", ").append(name);
        }
        throw new VfioConfigurationException(
                "vfio4j.backend.iommufd." + key + " = '" + v + "' is not one of: " + names);
    }
}
