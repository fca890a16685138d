package io.vfio4j.host.power;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.EehPeOp;
import io.vfio4j.api.host.EehPe;

/**
 * A PowerNV EEH partitionable endpoint: a small state machine. An injected error freezes MMIO and
 * DMA (state "stopped"); thawing both returns it to normal; a reset passes through "reset".
 */
public final class PowerNvEehPe implements EehPe {
    private boolean enabled = true;
    private boolean mmioFrozen;
    private boolean dmaFrozen;
    private boolean inReset;
    private int configureCount;

    @Override
    public synchronized void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public synchronized boolean isEnabled() {
        return enabled;
    }

    @Override
    public synchronized void thawMmio() {
        mmioFrozen = false;
    }

    @Override
    public synchronized void thawDma() {
        dmaFrozen = false;
    }

    @Override
    public synchronized int state() {
        if (!enabled) {
            return EehPeOp.STATE_UNAVAIL;
        }
        if (inReset) {
            return EehPeOp.STATE_RESET;
        }
        if (mmioFrozen) {
            return EehPeOp.STATE_STOPPED;
        }
        return dmaFrozen ? EehPeOp.STATE_STOPPED_DMA : EehPeOp.STATE_NORMAL;
    }

    @Override
    public synchronized void reset(EehResetKind kind) {
        // HOT and FUNDAMENTAL assert the reset, DEACTIVATE releases it and clears the freeze.
        if (kind == EehResetKind.DEACTIVATE) {
            inReset = false;
            mmioFrozen = false;
            dmaFrozen = false;
        } else {
            inReset = true;
        }
    }

    @Override
    public synchronized void configure() {
        configureCount++;
    }

    public synchronized int configureCount() {
        return configureCount;
    }

    @Override
    public synchronized void injectError(int type, int func, long addr, long mask) {
        // OPAL knows two error types (32-bit and 64-bit bus) and functions 0..19.
        if (type < 0 || type > 1 || func < 0 || func > 19) {
            throw VfioException.of(
                    Errno.EINVAL, "EEH error type %d / function %d is not supported", type, func);
        }
        mmioFrozen = true;
        dmaFrozen = true;
    }
}
