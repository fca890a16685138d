package io.vfio4j.iommufd;

import io.vfio4j.api.Errno;
import io.vfio4j.tck.MappingRules;

/** Where the compat container answers differently from type1 (docs/reference/iommufd.md §9). */
final class IommufdRules {
    /** ENOENT for holes (X3) and bisecting unmaps (C8); non-atomic walk (U6); exact unpin (X5). */
    static final MappingRules COMPAT =
            new MappingRules(Errno.ENOENT, Errno.ENOENT, true, false, true);

    /** The same as TYPE1 (v1): the unmap punches holes instead (C9). */
    static final MappingRules COMPAT_V1 =
            new MappingRules(Errno.ENOENT, Errno.ENOENT, true, true, true);

    private IommufdRules() {}
}
