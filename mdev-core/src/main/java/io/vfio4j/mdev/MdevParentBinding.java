package io.vfio4j.mdev;

import java.util.List;
import java.util.Objects;

/**
 * What an application binds for one parent device with {@link MdevModule#parent}: the vendor driver
 * that registers it and the types it offers. {@link MdevBus#of} registers it on the runtime's bus
 * as {@link MdevBus#registerParent} would.
 *
 * @param driver the vendor driver of the parent
 * @param types the types it offers, each with its instance count (copied)
 */
public record MdevParentBinding(MdevVendorDriver driver, List<MdevTypeSpec> types) {
    public MdevParentBinding {
        Objects.requireNonNull(driver, "driver");
        types = List.copyOf(Objects.requireNonNull(types, "types"));
    }
}
