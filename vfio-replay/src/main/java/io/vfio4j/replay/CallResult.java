package io.vfio4j.replay;

import io.vfio4j.replay.TraceEvent.Source;

/**
 * The model's answer to one replayed call.
 *
 * @param line the trace line the call was read from
 * @param op {@code MAP} or {@code UNMAP}
 * @param errno 0, or the errno the model answered
 * @param unmapped bytes an UNMAP removed (0 for a MAP)
 * @param lockedVmPages the VMM's locked_vm after the call, in host pages
 * @param recordedErrno what the trace says the VMM saw: 0, an errno, or {@link TraceEvent#UNKNOWN}
 * @param differs the trace recorded a result and the model answered otherwise
 * @param charged the call mapped memory that is pinned and charged (false for device memory)
 * @param vaddr the host address a MAP used (the trace's, or a synthetic one); 0 for an UNMAP
 * @param readOnly a MAP asked for READ only (ROM, or the trace said so)
 * @param pinnedVmPages the VMM's pinned_vm after the call, in host pages
 * @param userLockedVmPages the locked_vm of the VMM's user after the call, in host pages
 */
public record CallResult(
        long line,
        String op,
        long iova,
        long size,
        int errno,
        long unmapped,
        long lockedVmPages,
        int recordedErrno,
        boolean differs,
        Source source,
        boolean charged,
        long vaddr,
        boolean readOnly,
        long pinnedVmPages,
        long userLockedVmPages) {
    /** The errno's name (EEXIST), or "0". */
    public String errnoName() {
        return ErrnoNames.name(errno);
    }
}
