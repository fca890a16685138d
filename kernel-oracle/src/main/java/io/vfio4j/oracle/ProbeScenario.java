package io.vfio4j.oracle;

import java.util.List;

/**
 * A run of operations by one process with its own container and group descriptors, from a fresh
 * start (locked_vm 0); the probe runs each scenario in a child process of its own.
 */
public record ProbeScenario(String name, List<ProbeOp> ops) {
    public ProbeScenario {
        ops = List.copyOf(ops);
        if (!name.matches("[A-Za-z0-9_.:-]+")) {
            throw new IllegalArgumentException("bad scenario name '" + name + "'");
        }
    }
}
