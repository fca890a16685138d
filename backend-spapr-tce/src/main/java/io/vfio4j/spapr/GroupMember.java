package io.vfio4j.spapr;

import io.vfio4j.api.GroupKind;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.host.TceTableGroup;

/**
 * A group attached to a container with the endpoint its windows are programmed into: the hardware
 * table group, or a software one for an emulated group (external-pinning extension).
 */
record GroupMember(VfioGroupHandle handle, TceTableGroup tableGroup) {
    boolean emulated() {
        return handle.kind() == GroupKind.EMULATED;
    }
}
