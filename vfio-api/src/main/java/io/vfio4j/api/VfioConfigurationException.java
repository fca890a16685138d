package io.vfio4j.api;

/**
 * A start-up or configuration failure: an unknown backend name, two providers with one name, an SPI
 * version this runtime cannot load, an unknown configuration key, a malformed value. These are not
 * syscall results, so they carry no errno. The message lists what was found and where it came from.
 */
public class VfioConfigurationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VfioConfigurationException(String message) {
        super(message);
    }

    public VfioConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
