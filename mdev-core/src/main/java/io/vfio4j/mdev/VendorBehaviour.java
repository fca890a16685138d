package io.vfio4j.mdev;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How a {@link ScriptedVendor}'s devices honour the pinning contract of {@link MdevDeviceOps}: the
 * correct behaviour, the two vendor bugs the 2016 review of the mdev series worried about, a slow
 * unpinner and a driver without the callback.
 */
public enum VendorBehaviour {
    /** Unpins what it holds in the range when told of a DMA unmap, and everything at close. */
    WELL_BEHAVED,
    /**
     * Unpins on DMA unmap, but forgets its pins at close: the pins stay with the backend until the
     * group leaves its container, where vfio4j releases them and reports a vendor leak.
     */
    LEAKS_ON_CLOSE,
    /**
     * Never unpins on DMA unmap: the backend notifies again and again and, after the 11th
     * notification, raises the kernel's BUG ({@link io.vfio4j.api.KernelBugError}).
     */
    IGNORES_UNMAP,
    /**
     * Unpins only the lowest page it holds in the range per DMA-unmap notification (one reference),
     * so the backend notifies once per pinned page (docs/reference/type1-mdev.md §7 case 59).
     */
    UNPINS_ONE_PAGE,
    /**
     * Registers no DMA-unmap callback (a driver that does not pin): the core refuses its pins with
     * EINVAL, since nobody could be asked to unpin (docs/reference/type1-mdev.md §3.2, §7 case 49).
     */
    NO_DMA_UNMAP;

    /** The behaviour's name in scenario files and documentation, e.g. {@code leaks-on-close}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Every {@link #label()}, in declaration order. */
    public static List<String> labels() {
        return Arrays.stream(values()).map(VendorBehaviour::label).toList();
    }

    /** The behaviour with this {@link #label()}. */
    public static Optional<VendorBehaviour> ofLabel(String label) {
        return Arrays.stream(values()).filter(b -> b.label().equals(label)).findFirst();
    }
}
