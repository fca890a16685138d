package io.vfio4j.api.command;

/**
 * {@code VFIO_EEH_PE_OP} ({@code struct vfio_eeh_pe_op}): an EEH (POWER error recovery) operation
 * applied to the partitionable endpoint of every group of the container. The result is 0, or the
 * state for {@link #GET_STATE}. The error fields matter only for {@link #INJECT_ERR}.
 */
public record EehPeOp(
        int argsz, int flags, int op, int errType, int errFunc, long errAddr, long errMask)
        implements VfioCommand<Integer> {
    public static final int DISABLE = 0;
    public static final int ENABLE = 1;
    public static final int UNFREEZE_IO = 2;
    public static final int UNFREEZE_DMA = 3;
    public static final int GET_STATE = 4;
    public static final int RESET_DEACTIVATE = 5;
    public static final int RESET_HOT = 6;
    public static final int RESET_FUNDAMENTAL = 7;
    public static final int CONFIGURE = 8;
    public static final int INJECT_ERR = 9;

    /** States returned by {@link #GET_STATE}. */
    public static final int STATE_NORMAL = 0;

    public static final int STATE_RESET = 1;
    public static final int STATE_STOPPED = 2;
    public static final int STATE_STOPPED_DMA = 4;
    public static final int STATE_UNAVAIL = 5;

    /** The structure up to {@code op}: the smallest {@code argsz} accepted. */
    public static final int MIN_ARGSZ = 12;

    /** {@link #INJECT_ERR} also reads {@code err}: the structure up to {@code err.mask}. */
    public static final int MIN_ARGSZ_INJECT = 40;

    /** A well-formed operation without error data. */
    public static EehPeOp of(int op) {
        return new EehPeOp(MIN_ARGSZ, 0, op, 0, 0, 0, 0);
    }

    /** A well-formed {@link #INJECT_ERR}. */
    public static EehPeOp injectError(int type, int func, long addr, long mask) {
        return new EehPeOp(MIN_ARGSZ_INJECT, 0, INJECT_ERR, type, func, addr, mask);
    }

    @Override
    public String ioctlName() {
        return "VFIO_EEH_PE_OP";
    }
}
