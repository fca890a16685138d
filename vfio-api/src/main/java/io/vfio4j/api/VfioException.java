package io.vfio4j.api;

import java.util.Objects;

/**
 * A request refused the way the kernel refuses it: with an {@link Errno} and a message that says
 * what was wrong. Throwing it is the model of an ioctl or kernel call returning {@code -errno}.
 *
 * <p>The contract of every operation that throws it: a refused request leaves no trace. Nothing it
 * pinned stays pinned, no counter it moved stays moved.
 */
public class VfioException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    public VfioException(Errno errno, String message) {
        super(Objects.requireNonNull(errno, "errno") + ": " + message);
        this.errno = errno;
    }

    public VfioException(Errno errno, String message, Throwable cause) {
        super(Objects.requireNonNull(errno, "errno") + ": " + message, cause);
        this.errno = errno;
    }

    /** The kernel's error number for this failure. */
    public Errno errno() {
        return errno;
    }

    /** Shorthand used by backends: {@code throw VfioException.of(EINVAL, "size %d ...", size)}. */
    public static VfioException of(Errno errno, String format, Object... args) {
        return new VfioException(errno, String.format(java.util.Locale.ROOT, format, args));
    }
}
