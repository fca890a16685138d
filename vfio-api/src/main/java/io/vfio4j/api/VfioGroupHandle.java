package io.vfio4j.api;

import io.vfio4j.api.host.IommuGroup;
import java.util.Optional;

/** A VFIO group as a backend sees it in {@code attachGroup}/{@code detachGroup}. */
public interface VfioGroupHandle {
    /** The group number. Emulated groups get numbers of their own that never clash. */
    int id();

    GroupKind kind();

    /** The hardware group; present exactly when {@link #kind()} is {@link GroupKind#IOMMU}. */
    Optional<IommuGroup> iommuGroup();

    /** A short description for messages, e.g. {@code "group 7 (iommu)"}. */
    default String describe() {
        return "group " + id() + " (" + kind().name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
