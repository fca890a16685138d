package io.vfio4j.iommufd;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.ioas.IommuOption;

/**
 * IOMMU_OPTION(HUGE_PAGES) of one IOAS (ioas.c {@code iommufd_ioas_option_huge_pages};
 * io_pagetable.c {@code iopt_disable_large_pages}, {@code iopt_enable_large_pages}):
 * docs/reference/iommufd.md §4.6 H1, H2.
 */
final class NativeOptions {
    private NativeOptions() {}

    static long hugePages(Ioas ioas, IommuOption cmd) {
        if (cmd.op() == IommuOption.OP_GET) {
            return ioas.largePagesDisabled ? 0 : 1;
        }
        if (cmd.op() != IommuOption.OP_SET) {
            throw VfioException.of(Errno.EOPNOTSUPP, "option op %d", cmd.op());
        }
        if (cmd.value() == 1) {
            ioas.largePagesDisabled = false;
            return 0;
        }
        if (cmd.value() != 0) {
            throw VfioException.of(Errno.EINVAL, "HUGE_PAGES value %d", cmd.value());
        }
        if (ioas.largePagesDisabled) {
            return 0;
        }
        if (!ioas.domains.isEmpty() && !ioas.areas.isEmpty()) {
            throw VfioException.of(
                    Errno.EINVAL, "large pages cannot be disabled with a domain and a mapping");
        }
        long p = ioas.pageSize;
        for (Area a : ioas.areas.values()) {
            if (a.iova % p != 0 || a.length % p != 0 || a.va % p != 0) {
                throw VfioException.of(Errno.EADDRINUSE, "%s is not aligned to PAGE_SIZE", a);
            }
        }
        ioas.largePagesDisabled = true;
        return 0;
    }
}
