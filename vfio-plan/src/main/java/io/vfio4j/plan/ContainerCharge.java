package io.vfio4j.plan;

import java.util.List;

/**
 * What one pinning context charges: a VFIO container (its share of {@code locked_vm}) or a
 * vhost-vdpa device (its share of {@code pinned_vm}).
 *
 * @param name e.g. {@code container 1}
 * @param kind how QEMU uses it, e.g. {@code type1v2, shared by every device without a vIOMMU}
 * @param counter {@code locked_vm} or {@code pinned_vm}
 * @param devices the aliases of the devices in it
 * @param chargedBytes what it holds charged at the end of the step
 */
public record ContainerCharge(
        String name, String kind, String counter, List<String> devices, long chargedBytes) {
    public ContainerCharge {
        devices = List.copyOf(devices);
    }
}
