package io.vfio4j.api;

/**
 * Linux error numbers used by VFIO, with their kernel values (asm-generic/errno-base.h and
 * errno.h). Every {@link VfioException} carries one of these, so callers can compare results with
 * what the kernel returns.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    /** A backend failed inside one of its calls (see docs/reliability.md, "Plugins"). */
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    E2BIG(7, "Argument list too long"),
    /** close(2) of a file descriptor that is not open (fs/open.c, close_fd). */
    EBADF(9, "Bad file descriptor"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    ENODEV(19, "No such device"),
    EINVAL(22, "Invalid argument"),
    ENOTTY(25, "Inappropriate ioctl for device"),
    ENOSPC(28, "No space left on device"),
    /** iommufd: an unmap whose access holder never lets go (EDEADLOCK on x86). */
    EDEADLK(35, "Resource deadlock avoided"),
    EOVERFLOW(75, "Value too large for defined data type"),
    /** mdev_device_create: the type has no available instance left (since 6.1). */
    EUSERS(87, "Too many users"),
    EMSGSIZE(90, "Message too long"),
    /** iommufd: an unknown flag, option or reserved field in a native command. */
    EOPNOTSUPP(95, "Operation not supported"),
    /** iommufd: a reserved range (a domain's aperture, an MSI window) meets an existing area. */
    EADDRINUSE(98, "Address already in use");

    private final int number;
    private final String description;

    Errno(int number, String description) {
        this.number = number;
        this.description = description;
    }

    /** The positive kernel value; an ioctl returns its negation. */
    public int number() {
        return number;
    }

    /** The strerror(3) text. */
    public String description() {
        return description;
    }

    /**
     * Looks up an errno by its kernel number.
     *
     * @throws IllegalArgumentException if vfio4j does not model that number
     */
    public static Errno ofNumber(int number) {
        for (Errno e : values()) {
            if (e.number == number) {
                return e;
            }
        }
        throw new IllegalArgumentException("errno " + number + " is not modelled by vfio4j");
    }
}
