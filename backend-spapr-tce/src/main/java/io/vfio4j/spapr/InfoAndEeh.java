package io.vfio4j.spapr;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.EehPeOp;
import io.vfio4j.api.command.SpaprTceGetInfo;
import io.vfio4j.api.host.EehPe;
import io.vfio4j.api.host.TceTableGroup;
import java.util.ArrayList;
import java.util.List;

/** SPAPR_TCE_GET_INFO and EEH_PE_OP: read the first group's table capabilities, drive EEH PEs. */
final class InfoAndEeh {
    private final SpaprState st;

    InfoAndEeh(SpaprState st) {
        this.st = st;
    }

    SpaprTceGetInfo.Info getInfo(SpaprTceGetInfo c) {
        synchronized (st.lock) {
            if (st.groups.isEmpty()) {
                throw new VfioException(Errno.ENXIO, "GET_INFO: no group attached");
            }
            TceTableGroup tg = st.firstTableGroup();
            if (c.argsz() < SpaprTceGetInfo.MIN_ARGSZ) {
                throw SpaprState.argsz(c.ioctlName(), c.argsz(), SpaprTceGetInfo.MIN_ARGSZ);
            }
            boolean ddw = st.v2 && tg.maxDynamicWindows() > 0;
            // The dma32 fields are u32; the ddw part is copied back only if argsz covers it.
            boolean full = c.argsz() >= SpaprTceGetInfo.FULL_ARGSZ;
            return new SpaprTceGetInfo.Info(
                    ddw ? SpaprTceGetInfo.FLAG_DDW : 0,
                    tg.tce32Start() & 0xFFFF_FFFFL,
                    tg.tce32Size() & 0xFFFF_FFFFL,
                    ddw && full ? tg.pageSizes() : 0,
                    ddw && full ? tg.maxDynamicWindows() : 0,
                    ddw && full ? tg.maxLevels() : 0);
        }
    }

    Integer eehPeOp(EehPeOp op) {
        List<GroupMember> members;
        synchronized (st.lock) {
            members = new ArrayList<>(st.groups);
        }
        int result = 0;
        for (GroupMember m : members) {
            if (m.emulated()) {
                continue; // an emulated group has no PE and is not in the kernel's list
            }
            result = eehOnePe(m, op);
            if (result != 0) {
                return result;
            }
        }
        return result;
    }

    private static int eehOnePe(GroupMember m, EehPeOp op) {
        EehPe pe =
                m.tableGroup()
                        .eehPe()
                        .orElseThrow(
                                () ->
                                        new VfioException(
                                                Errno.ENODEV,
                                                "EEH_PE_OP: "
                                                        + m.handle().describe()
                                                        + " has no EEH PE"));
        if (op.argsz() < EehPeOp.MIN_ARGSZ) {
            throw SpaprState.argsz(op.ioctlName(), op.argsz(), EehPeOp.MIN_ARGSZ);
        }
        if (op.flags() != 0) {
            throw VfioException.of(
                    Errno.EINVAL, "EEH_PE_OP: flags 0x%x: none are defined", op.flags());
        }
        switch (op.op()) {
            case EehPeOp.DISABLE -> pe.setEnabled(false);
            case EehPeOp.ENABLE -> pe.setEnabled(true);
            case EehPeOp.UNFREEZE_IO -> pe.thawMmio();
            case EehPeOp.UNFREEZE_DMA -> pe.thawDma();
            case EehPeOp.GET_STATE -> {
                return pe.state();
            }
            case EehPeOp.RESET_DEACTIVATE -> pe.reset(EehPe.EehResetKind.DEACTIVATE);
            case EehPeOp.RESET_HOT -> pe.reset(EehPe.EehResetKind.HOT);
            case EehPeOp.RESET_FUNDAMENTAL -> pe.reset(EehPe.EehResetKind.FUNDAMENTAL);
            case EehPeOp.CONFIGURE -> pe.configure();
            case EehPeOp.INJECT_ERR -> {
                if (op.argsz() < EehPeOp.MIN_ARGSZ_INJECT) {
                    throw SpaprState.argsz(
                            "EEH_PE_OP INJECT_ERR", op.argsz(), EehPeOp.MIN_ARGSZ_INJECT);
                }
                pe.injectError(op.errType(), op.errFunc(), op.errAddr(), op.errMask());
            }
            default ->
                    throw VfioException.of(
                            Errno.EINVAL, "EEH_PE_OP: unknown operation %d", op.op());
        }
        return 0;
    }
}
