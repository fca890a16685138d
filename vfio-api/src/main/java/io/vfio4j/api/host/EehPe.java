package io.vfio4j.api.host;

import io.vfio4j.api.VfioException;

/**
 * The EEH (Enhanced Error Handling) state machine of a POWER partitionable endpoint: the platform
 * operations behind {@code VFIO_EEH_PE_OP}. Each operation may fail with the platform's errno.
 */
public interface EehPe {
    /** Turns EEH on or off for the endpoint ({@code EEH_OPT_ENABLE}/{@code EEH_OPT_DISABLE}). */
    void setEnabled(boolean enabled);

    /** Thaws MMIO after a freeze ({@code EEH_OPT_THAW_MMIO}). */
    void thawMmio();

    /** Thaws DMA after a freeze ({@code EEH_OPT_THAW_DMA}). */
    void thawDma();

    /**
     * The endpoint state as {@code VFIO_EEH_PE_GET_STATE} reports it: 0 normal, 1 reset, 2 stopped,
     * 4 DMA stopped, 5 unavailable.
     */
    int state();

    /** Resets the endpoint. */
    void reset(EehResetKind kind);

    /** Restores the configuration space of the endpoint's devices after a reset. */
    void configure();

    /**
     * Injects an error (for testing the guest's recovery).
     *
     * @throws VfioException EINVAL for a type or function the platform does not know
     */
    void injectError(int type, int func, long addr, long mask);

    /** The kinds of {@link #reset}. */
    enum EehResetKind {
        DEACTIVATE,
        HOT,
        FUNDAMENTAL
    }
}
