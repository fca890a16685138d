package io.vfio4j.cli.scenario;

import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.HostUser;
import io.vfio4j.api.host.Task;
import java.util.Optional;

/**
 * A process with CAP_SYS_RESOURCE ({@code cap_sys_resource: true} in a scenario), which the
 * simulated host's processes never have: everything else is the process's own.
 */
record CapableTask(Task process) implements Task {
    @Override
    public int pid() {
        return process.pid();
    }

    @Override
    public Optional<AddressSpace> addressSpace() {
        return process.addressSpace();
    }

    @Override
    public long memlockLimitBytes() {
        return process.memlockLimitBytes();
    }

    @Override
    public boolean capIpcLock() {
        return process.capIpcLock();
    }

    @Override
    public boolean capSysRawio() {
        return process.capSysRawio();
    }

    @Override
    public boolean capSysResource() {
        return true;
    }

    @Override
    public HostUser user() {
        return process.user();
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }
}
