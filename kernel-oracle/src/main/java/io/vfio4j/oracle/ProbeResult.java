package io.vfio4j.oracle;

import java.util.Map;

/**
 * The answer to one operation, from the kernel or from the model.
 *
 * @param id the operation's id
 * @param errno {@code 0} on success, else the errno's name
 * @param lockedKb the process's locked_vm after the operation, in KiB (VmLck)
 * @param values named results: {@code unmapped}, {@code value}, {@code flags}, {@code pgsizes},
 *     {@code dma_avail}, {@code ranges}, {@code migration}, {@code dirty} ...
 */
public record ProbeResult(String id, String errno, long lockedKb, Map<String, String> values) {
    public ProbeResult {
        values = Map.copyOf(values);
    }

    public boolean ok() {
        return errno.equals("0");
    }
}
