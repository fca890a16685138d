package io.vfio4j.core;

/**
 * The runtime found a state that breaks an accounting invariant: a bug in a backend or in the core,
 * never a user error. It names the operation after which the check ran and the difference.
 */
public final class InvariantViolation extends Error {
    private static final long serialVersionUID = 1L;

    public InvariantViolation(String message) {
        super(message);
    }
}
