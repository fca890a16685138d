package io.vfio4j.oracle;

/** An operation list or probe output that cannot be read; the message names where. */
public final class OracleInputException extends RuntimeException {
    public OracleInputException(String message) {
        super(message);
    }
}
