package io.vfio4j.tck;

import io.vfio4j.api.command.VfioCommand;

/** A container command no backend knows: every backend must answer ENOTTY. */
public record TckUnknownCommand() implements VfioCommand<Void> {
    @Override
    public String ioctlName() {
        return "VFIO_TCK_UNKNOWN";
    }
}
