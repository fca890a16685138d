package io.vfio4j.oracle;

/**
 * The oracle could not run: a host tool is missing, a kernel could not be fetched, the guest did
 * not finish. The message says why and what to do.
 */
public final class OracleException extends RuntimeException {
    public OracleException(String message) {
        super(message);
    }

    public OracleException(String message, Throwable cause) {
        super(message, cause);
    }
}
