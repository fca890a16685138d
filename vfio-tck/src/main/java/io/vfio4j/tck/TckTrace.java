package io.vfio4j.tck;

import io.vfio4j.api.BackendState;
import java.util.List;
import java.util.Optional;

/**
 * The observable state a refused request must leave unchanged.
 *
 * @param lockedVm the VMM's locked_vm
 * @param pins pins on host frames, over all frames
 * @param pinnedFrames host frames with at least one pin
 * @param state the container backend's state
 * @param groups the container's groups
 * @param taints kernel taints recorded
 */
public record TckTrace(
        long lockedVm,
        long pins,
        long pinnedFrames,
        Optional<BackendState> state,
        List<Integer> groups,
        int taints) {}
